/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel function arguments from BTF: a function's parameters (names, C
 * types, sizes, which point to structs) and return type, and member
 * chains such as `file->f_path.dentry->d_name.name` turned into a list
 * of loads (offset + size) that fetch-arg or BPF code generators compile
 * to "+OFF(+OFF($arg1))" chains or bpf_probe_read_kernel() calls.
 *
 * vmlinux BTF is loaded once (libbpf); without it every call fails with
 * -ENOENT and says so.
 */
#ifndef SONDE_BTF_ARGS_H
#define SONDE_BTF_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct btf;

#define BTF_ARGS_MAX	 12
#define BTF_CHAIN_MAX	 16
#define BTF_TYPE_STR_MAX 128

struct btf_value {
	char name[64];		/* parameter name; "" for a return value */
	char type[BTF_TYPE_STR_MAX]; /* C spelling: "struct file *" */
	uint32_t type_id;	/* BTF id of type */
	int size;		/* bytes of the value (8 for pointers) */
	bool is_signed;
	bool is_ptr;
	bool is_struct_ptr;	/* pointer to struct or union */
	bool is_string;		/* char * or char array: read as a string */
	bool is_array;
	bool is_struct;		/* a struct or union by value */
	char struct_name[64];	/* for is_struct_ptr / is_struct: "file" */
};

struct btf_func_args {
	char name[128];
	char module[64];	/* "" for vmlinux, else the module whose BTF has it */
	int nparams;
	struct btf_value params[BTF_ARGS_MAX];
	struct btf_value ret;	/* type "void" with size 0 for none */
	bool variadic;
};

/* vmlinux BTF, loaded once; NULL with errno set when there is none. */
struct btf *btf_args_vmlinux(void);

/*
 * The parameters of kernel function func (compiler suffixes such as
 * ".isra.0" are ignored: BTF has the source prototype). btf NULL: vmlinux
 * BTF, then the BTF of loaded modules (/sys/kernel/btf/<module>).
 * 0, or -ENOENT with err:
 *   "kernel BTF is not available (/sys/kernel/btf/vmlinux: No such file or
 *    directory): argument names and types are unknown, use arg1..arg6"
 *   "kernel BTF is not available (/sys/kernel/btf/vmlinux is not valid
 *    BTF): ..." (the same advice)
 *   "no BTF for function 'x' (not in this kernel's BTF: inlined, in an
 *    unloaded module, or not a function)"
 */
int btf_args_func(struct btf *btf, const char *func, struct btf_func_args *out,
		  char *err, size_t errlen);

/* One memory load: v = *(size bytes *)(v + offset). size 0 only as the
 * last step: v = v + offset (the address of an array or embedded struct). */
struct btf_load {
	int32_t offset;
	uint8_t size;
};

struct btf_access {
	int param;		/* index of the parameter (0-based), -1 retval */
	int nloads;
	struct btf_load loads[BTF_CHAIN_MAX];
	struct btf_value result; /* type of the final member */
	int bit_offset, bit_size; /* a bitfield: shift and width, else 0 */
};

/*
 * Resolve `param->a.b->c` (or `argN->...`, or `retval->...` when
 * ret is true) against function func. The start value is the
 * parameter's value; each `->` dereferences, each `.` adds an offset.
 * When the result is a string (char array or char *), the string is at
 * the final value v. 0 or -errno with err: "'struct file' has no member
 * 'f_pth'", "'f_path' is not a pointer: use '.' not '->'"...
 */
int btf_args_access(struct btf *btf, const char *func, const char *expr,
		    struct btf_access *out, char *err, size_t errlen);

/* Same from a type id: chain is the part after the start ("->a.b").
 * type_id must belong to btf (NULL: vmlinux). */
int btf_args_chain(struct btf *btf, uint32_t type_id, const char *chain,
		   struct btf_access *out, char *err, size_t errlen);

/* A type's C spelling ("const char *", "struct sk_buff *", "u32"). */
void btf_args_type_str(const struct btf *btf, uint32_t type_id, char *buf,
		       size_t len);

/*
 * Raw tracepoint arguments from the btf_trace_<name> typedef (the hidden
 * first `void *` dropped). Names are not in BTF: params are named
 * arg1..argN. 0 or -ENOENT.
 */
int btf_args_raw_tracepoint(struct btf *btf, const char *tp,
			    struct btf_func_args *out, char *err, size_t errlen);

#endif
