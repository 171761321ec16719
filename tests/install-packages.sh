#!/bin/sh
# Install the Debian packages named in $PKGS that are missing. As root on
# Debian/Ubuntu this runs apt-get; otherwise it names what to install.
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "sonde: missing packages:$missing" >&2
	echo "sonde: install them (apt-get install$missing) or run as root" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || exit 1
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
