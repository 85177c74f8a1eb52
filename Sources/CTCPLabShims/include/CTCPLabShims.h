#ifndef TCPLAB_SHIMS_H
#define TCPLAB_SHIMS_H

// What glibc declares only under _GNU_SOURCE, which Swift's Glibc module is built without,
// the capability calls glibc exports without a header, and the Linux netlink headers for
// sock_diag. Only declarations and constants: the
// structures import into Swift as they are.

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/capability.h>
#include <linux/ioctl.h>
#include <linux/if_tun.h>
#include <spawn.h>

// unshare(2): move the calling thread into new namespaces.
int unshare(int flags);

// capget(2) and capset(2): a thread's capability sets. glibc exports them but declares
// them in no header (libcap's <sys/capability.h> does).
int capget(cap_user_header_t header, cap_user_data_t data);
int capset(cap_user_header_t header, const cap_user_data_t data);

// pipe2(2): a pipe made close-on-exec at once, so no child spawned meanwhile inherits it.
int pipe2(int pipefd[2], int flags);

// posix_spawn_file_actions_addclosefrom_np(3) (glibc 2.34): the child closes every
// descriptor from `from` up, so it holds only what it was given.
int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

// CLONE_NEWNET and CLONE_NEWUSER from <sched.h>.
static const int tcplab_clone_newnet = 0x40000000;
static const int tcplab_clone_newuser = 0x10000000;

// NLMSG_ALIGN from <linux/netlink.h>: netlink messages start on 4-byte boundaries.
static inline unsigned int tcplab_nlmsg_align(unsigned int length) {
    return NLMSG_ALIGN(length);
}

// TUNSETIFF and the flags of <linux/if_tun.h>: _IOW does not import into Swift.
static const unsigned long tcplab_tunsetiff = TUNSETIFF;
static const short tcplab_iff_tun = IFF_TUN;
static const short tcplab_iff_no_pi = IFF_NO_PI;

#endif
