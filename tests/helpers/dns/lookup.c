// SPDX-License-Identifier: GPL-2.0
/*
 * dnslookup NAME...: looks each NAME up with getaddrinfo() and then
 * gethostbyname() of the C library it is linked with (dynamically: the
 * snoop dns test probes that library); prints "pid SELF" first, then
 * "NAME getaddrinfo RET gethostbyname OK|FAIL" per name.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pid %d\n", getpid());
	for (int i = 1; i < argc; i++) {
		struct addrinfo hints, *res = NULL;
		int ret;

		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		ret = getaddrinfo(argv[i], NULL, &hints, &res);
		if (!ret)
			freeaddrinfo(res);
		printf("%s getaddrinfo %d gethostbyname %s\n", argv[i], ret,
		       gethostbyname(argv[i]) ? "OK" : "FAIL");
	}
	return 0;
}
