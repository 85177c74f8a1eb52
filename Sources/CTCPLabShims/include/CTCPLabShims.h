#ifndef TCPLAB_SHIMS_H
#define TCPLAB_SHIMS_H

// What glibc declares only under _GNU_SOURCE, which Swift's Glibc module is built without.

// unshare(2): move the calling thread into new namespaces.
int unshare(int flags);

// CLONE_NEWNET from <sched.h>: a new network namespace.
static const int tcplab_clone_newnet = 0x40000000;

#endif
