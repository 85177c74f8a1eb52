// SPDX-License-Identifier: GPL-2.0
// TCPLab's kernel log: the TCP events of one network namespace, written to a ring buffer.
//
// Compiled for the bpf target by BPF/generate, with CO-RE relocations against the running
// kernel's BTF (vmlinux.h is generated from /sys/kernel/btf/vmlinux, never committed).
// Every program is BTF-typed (tp_btf, fentry), so attaching needs no tracefs and each
// attachment is a bpf_link file descriptor that goes when TCPLab closes it or exits.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "tcplab_event.h"

char LICENSE[] SEC("license") = "GPL";

// Set by TCPLab before loading: the lab's namespace.
const volatile struct tcplab_config tcplab_config = {};

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} events SEC(".maps");

// The substate a timewait socket had when tcp_timewait_state_process began, by socket.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u64);
    __type(value, __u8);
} timewait_substate SEC(".maps");

// The lab's listeners by local port, kept by set_state, so that a SYN the kernel consumes
// can be checked against its listener's accept queue.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, __u16);
    __type(value, __u64);
} listeners SEC(".maps");

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

static __always_inline bool in_lab(const struct sock_common *common)
{
    return BPF_CORE_READ(common, skc_net.net, ns.inum) == tcplab_config.netns_inode;
}

// Fills the socket's ends: local as source, remote as destination.
static __always_inline void fill_from_sock(struct tcplab_event *event, const struct sock_common *common)
{
    event->socket = (__u64)common;
    event->family = BPF_CORE_READ(common, skc_family);
    event->source_port = BPF_CORE_READ(common, skc_num);
    event->destination_port = __builtin_bswap16(BPF_CORE_READ(common, skc_dport));
    if (event->family == AF_INET6) {
        BPF_CORE_READ_INTO(&event->source_address, common, skc_v6_rcv_saddr);
        BPF_CORE_READ_INTO(&event->destination_address, common, skc_v6_daddr);
    } else {
        BPF_CORE_READ_INTO(&event->source_address, common, skc_rcv_saddr);
        BPF_CORE_READ_INTO(&event->destination_address, common, skc_daddr);
    }
}

// Fills the ends and flags from the IPv4 or IPv6 and TCP headers of `skb`; false when it
// is not a TCP packet.
static __always_inline bool fill_from_skb(struct tcplab_event *event, const struct sk_buff *skb)
{
    unsigned char *head = BPF_CORE_READ(skb, head);
    __u16 network = BPF_CORE_READ(skb, network_header);
    __u16 protocol = __builtin_bswap16(BPF_CORE_READ(skb, protocol));
    unsigned char *transport;
    if (protocol == ETH_P_IP) {
        struct iphdr ip;
        if (bpf_probe_read_kernel(&ip, sizeof(ip), head + network) != 0 || ip.protocol != IPPROTO_TCP)
            return false;
        event->family = AF_INET;
        __builtin_memcpy(event->source_address, &ip.saddr, 4);
        __builtin_memcpy(event->destination_address, &ip.daddr, 4);
        transport = head + network + ip.ihl * 4;
    } else if (protocol == ETH_P_IPV6) {
        struct ipv6hdr ip;
        if (bpf_probe_read_kernel(&ip, sizeof(ip), head + network) != 0 || ip.nexthdr != IPPROTO_TCP)
            return false;
        event->family = AF_INET6;
        __builtin_memcpy(event->source_address, &ip.saddr, 16);
        __builtin_memcpy(event->destination_address, &ip.daddr, 16);
        transport = head + network + sizeof(ip);
    } else {
        return false;
    }
    struct tcphdr tcp;
    if (bpf_probe_read_kernel(&tcp, sizeof(tcp), transport) != 0)
        return false;
    event->source_port = __builtin_bswap16(tcp.source);
    event->destination_port = __builtin_bswap16(tcp.dest);
    // Byte 13 of the TCP header: CWR ECE URG ACK PSH RST SYN FIN.
    unsigned char flags[14];
    if (bpf_probe_read_kernel(flags, sizeof(flags), transport) != 0)
        return false;
    event->tcp_flags = flags[13];
    return true;
}

// Events the ring buffer refused (bpf_ringbuf_reserve returned NULL), counted per CPU
// and summed by TCPLab when the log stops: the log knows it is incomplete.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

static __always_inline struct tcplab_event *reserve(__u32 kind)
{
    struct tcplab_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
    if (!event) {
        __u32 zero = 0;
        __u64 *count = bpf_map_lookup_elem(&lost, &zero);
        if (count)
            *count += 1;
        return NULL;
    }
    __builtin_memset(event, 0, sizeof(*event));
    event->time_ns = bpf_ktime_get_boot_ns();
    event->kind = kind;
    return event;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(set_state, const struct sock *sk, const int old_state, const int new_state)
{
    if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP || !in_lab(&sk->__sk_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_STATE);
    if (!event)
        return 0;
    fill_from_sock(event, &sk->__sk_common);
    event->old_state = old_state;
    event->new_state = new_state;
    __u16 port = event->source_port;
    __u64 address = (__u64)sk;
    if (new_state == 10) // TCP_LISTEN
        bpf_map_update_elem(&listeners, &port, &address, BPF_ANY);
    else if (old_state == 10) {
        __u64 *known = bpf_map_lookup_elem(&listeners, &port);
        if (known && *known == address)
            bpf_map_delete_elem(&listeners, &port);
    }
    bpf_ringbuf_submit(event, 0);
    return 0;
}

// tcp_time_wait() hands a closing connection to a timewait mini-socket here, before the
// full socket goes to CLOSE; inet_sock_set_state never sees the mini-socket.
SEC("fentry/inet_twsk_hashdance_schedule")
int BPF_PROG(timewait_start, struct inet_timewait_sock *tw, struct sock *sk)
{
    if (!in_lab(&tw->__tw_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_TIMEWAIT_START);
    if (!event)
        return 0;
    fill_from_sock(event, &tw->__tw_common);
    event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
    event->new_state = BPF_CORE_READ(tw, tw_substate);
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("fentry/tcp_timewait_state_process")
int BPF_PROG(timewait_process_entry, struct inet_timewait_sock *tw)
{
    if (!in_lab(&tw->__tw_common))
        return 0;
    __u64 key = (__u64)tw;
    __u8 substate = BPF_CORE_READ(tw, tw_substate);
    bpf_map_update_elem(&timewait_substate, &key, &substate, BPF_ANY);
    return 0;
}

// A FIN-WAIT-2 mini-socket that receives the peer's FIN becomes TIME-WAIT in place.
SEC("fexit/tcp_timewait_state_process")
int BPF_PROG(timewait_process_exit, struct inet_timewait_sock *tw)
{
    __u64 key = (__u64)tw;
    __u8 *before = bpf_map_lookup_elem(&timewait_substate, &key);
    if (!before)
        return 0;
    __u8 old_substate = *before;
    bpf_map_delete_elem(&timewait_substate, &key);
    __u8 new_substate = BPF_CORE_READ(tw, tw_substate);
    if (old_substate == new_substate)
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_TIMEWAIT_CHANGE);
    if (!event)
        return 0;
    fill_from_sock(event, &tw->__tw_common);
    event->old_state = old_substate;
    event->new_state = new_substate;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("fentry/inet_twsk_kill")
int BPF_PROG(timewait_end, struct inet_timewait_sock *tw)
{
    if (!in_lab(&tw->__tw_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_TIMEWAIT_END);
    if (!event)
        return 0;
    fill_from_sock(event, &tw->__tw_common);
    event->old_state = BPF_CORE_READ(tw, tw_substate);
    event->new_state = 7; // TCP_CLOSE
    bpf_ringbuf_submit(event, 0);
    return 0;
}

// A listener answers a SYN with a request socket (TCP_NEW_SYN_RECV), not a full socket.
SEC("fentry/inet_csk_reqsk_queue_hash_add")
int BPF_PROG(request_start, struct sock *sk, struct request_sock *req)
{
    if (!in_lab(&req->__req_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_REQUEST_START);
    if (!event)
        return 0;
    fill_from_sock(event, &req->__req_common);
    event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
    event->new_state = 12; // TCP_NEW_SYN_RECV
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("fentry/inet_csk_reqsk_queue_drop")
int BPF_PROG(request_end, struct sock *sk, struct request_sock *req)
{
    if (!in_lab(&req->__req_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_REQUEST_END);
    if (!event)
        return 0;
    fill_from_sock(event, &req->__req_common);
    event->old_state = 12;
    event->new_state = 7;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(send_reset, const struct sock *sk, const struct sk_buff *skb, const enum sk_rst_reason reason)
{
    struct tcplab_event *event;
    if (skb) {
        // A reply to `skb`: in the lab when the packet arrived on the lab's lo.
        if (BPF_CORE_READ(skb, dev, nd_net.net, ns.inum) != tcplab_config.netns_inode)
            return 0;
        event = reserve(TCPLAB_SEND_RESET);
        if (!event)
            return 0;
        struct tcplab_event packet = {};
        if (!fill_from_skb(&packet, skb)) {
            bpf_ringbuf_discard(event, 0);
            return 0;
        }
        // The RST goes back the way the packet came.
        event->family = packet.family;
        event->source_port = packet.destination_port;
        event->destination_port = packet.source_port;
        __builtin_memcpy(event->source_address, packet.destination_address, 16);
        __builtin_memcpy(event->destination_address, packet.source_address, 16);
        event->tcp_flags = packet.tcp_flags;
        if (sk) {
            event->socket = (__u64)sk;
            event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
        }
    } else {
        if (!sk || !in_lab(&sk->__sk_common))
            return 0;
        event = reserve(TCPLAB_SEND_RESET);
        if (!event)
            return 0;
        fill_from_sock(event, &sk->__sk_common);
        event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
    }
    event->reason = reason;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(receive_reset, struct sock *sk)
{
    if (!in_lab(&sk->__sk_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_RECEIVE_RESET);
    if (!event)
        return 0;
    fill_from_sock(event, &sk->__sk_common);
    event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(retransmit, const struct sock *sk, const struct sk_buff *skb, int error)
{
    if (!in_lab(&sk->__sk_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_RETRANSMIT);
    if (!event)
        return 0;
    fill_from_sock(event, &sk->__sk_common);
    event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
    event->reason = error;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
    if (!in_lab(&req->__req_common))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_RETRANSMIT_SYNACK);
    if (!event)
        return 0;
    fill_from_sock(event, &req->__req_common);
    event->old_state = 12;
    bpf_ringbuf_submit(event, 0);
    return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(drop, struct sk_buff *skb, void *location, enum skb_drop_reason reason, struct sock *rx_sk)
{
    struct sock *sk = rx_sk ? rx_sk : BPF_CORE_READ(skb, sk);
    unsigned int inode = sk ? BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum)
                            : BPF_CORE_READ(skb, dev, nd_net.net, ns.inum);
    if (inode != tcplab_config.netns_inode)
        return 0;
    struct tcplab_event packet = {};
    if (!fill_from_skb(&packet, skb))
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_DROP);
    if (!event)
        return 0;
    __u64 time = event->time_ns;
    __builtin_memcpy(event, &packet, sizeof(packet));
    event->time_ns = time;
    event->kind = TCPLAB_DROP;
    event->reason = reason;
    if (sk) {
        event->socket = (__u64)sk;
        event->old_state = BPF_CORE_READ(sk, __sk_common.skc_state);
        // A timewait mini-socket that took the packet: its substate after it (a
        // FIN-WAIT-2 one that got the peer's FIN is TIME-WAIT now). Where function probes
        // are refused, this is how the log sees timewait sockets at all.
        if (event->old_state == 6) // TCP_TIME_WAIT
            event->new_state = BPF_CORE_READ((struct inet_timewait_sock *)sk, tw_substate);
    }
    bpf_ringbuf_submit(event, 0);
    return 0;
}

// A SYN that finds its listener's accept queue full is refused by tcp_conn_request (it
// counts ListenOverflows and ListenDrops) and then consumed, not freed with a drop reason:
// kfree_skb never sees it. The listener's queue, read here, tells it apart from a SYN that
// got a request socket.
SEC("tp_btf/consume_skb")
int BPF_PROG(consume, struct sk_buff *skb)
{
    if (BPF_CORE_READ(skb, dev, nd_net.net, ns.inum) != tcplab_config.netns_inode)
        return 0;
    struct tcplab_event packet = {};
    if (!fill_from_skb(&packet, skb) || (packet.tcp_flags & 0x12) != 0x02) // SYN without ACK
        return 0;
    __u16 port = packet.destination_port;
    __u64 *listener = bpf_map_lookup_elem(&listeners, &port);
    if (!listener)
        return 0;
    struct sock *sk = (struct sock *)*listener;
    __u32 queued = BPF_CORE_READ(sk, sk_ack_backlog);
    __u32 backlog = BPF_CORE_READ(sk, sk_max_ack_backlog);
    if (queued <= backlog) // sk_acceptq_is_full: queued > backlog
        return 0;
    struct tcplab_event *event = reserve(TCPLAB_SYN_OVERFLOW);
    if (!event)
        return 0;
    __u64 time = event->time_ns;
    __builtin_memcpy(event, &packet, sizeof(packet));
    event->time_ns = time;
    event->kind = TCPLAB_SYN_OVERFLOW;
    event->socket = *listener;
    event->old_state = 10;
    event->reason = (queued > 0xffff ? 0xffff : queued) << 16 | (backlog > 0xffff ? 0xffff : backlog);
    bpf_ringbuf_submit(event, 0);
    return 0;
}
