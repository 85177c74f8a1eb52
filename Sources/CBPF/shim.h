#ifndef TCPLAB_CBPF_SHIM_H
#define TCPLAB_CBPF_SHIM_H
// libbpf's public headers: loading BPF objects, attaching their programs, ring buffers,
// and the kernel's BTF (for the names of the kernel's reason enums).
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#endif
