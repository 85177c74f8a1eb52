// The BPF program of TCPLab's kernel log, compiled (BPF/generate), and the layout of the
// events it writes.
#ifndef CTCPLAB_KERNEL_LOG_H
#define CTCPLAB_KERNEL_LOG_H

#include "tcplab_event.h"

// The BPF object file's bytes (generated: tcplab_bpf_object.c).
extern const unsigned char tcplab_bpf_object[];
// Its length in bytes.
extern const unsigned long tcplab_bpf_object_size;

// The object's first byte, for Swift (which does not import arrays of unknown size).
static inline const void *tcplab_bpf_object_address(void) { return tcplab_bpf_object; }

#endif
