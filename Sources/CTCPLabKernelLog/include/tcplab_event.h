// The record the BPF program (BPF/tcplab.bpf.c) writes to its ring buffer for each kernel
// event, and TCPLabKernelLog reads. One definition for both sides: the BPF program is
// compiled with this header, and Swift imports it through CTCPLabKernelLog.
#ifndef TCPLAB_EVENT_H
#define TCPLAB_EVENT_H

// What happened (tcplab_event.kind).
enum tcplab_event_kind {
    // sock:inet_sock_set_state: a full socket changed state (old_state -> new_state).
    TCPLAB_STATE = 1,
    // inet_twsk_hashdance_schedule: a connection moved to a timewait mini-socket;
    // new_state is its substate (TIME-WAIT or FIN-WAIT-2), old_state the full socket's.
    TCPLAB_TIMEWAIT_START = 2,
    // tcp_timewait_state_process: a FIN-WAIT-2 mini-socket got the peer's FIN (-> TIME-WAIT).
    TCPLAB_TIMEWAIT_CHANGE = 3,
    // inet_twsk_kill: a timewait mini-socket ended (timer, reuse, or namespace exit).
    TCPLAB_TIMEWAIT_END = 4,
    // inet_csk_reqsk_queue_hash_add: a listener made a request socket (SYN-RECEIVED).
    TCPLAB_REQUEST_START = 5,
    // inet_csk_reqsk_queue_drop: a request socket left the listener's queue.
    TCPLAB_REQUEST_END = 6,
    // tcp:tcp_send_reset: the kernel sent RST; reason is enum sk_rst_reason.
    TCPLAB_SEND_RESET = 7,
    // tcp:tcp_receive_reset: a socket accepted an incoming RST.
    TCPLAB_RECEIVE_RESET = 8,
    // tcp:tcp_retransmit_skb: a segment was sent again; reason is the send's error (0: sent).
    TCPLAB_RETRANSMIT = 9,
    // tcp:tcp_retransmit_synack: a request socket sent its SYN-ACK again.
    TCPLAB_RETRANSMIT_SYNACK = 10,
    // skb:kfree_skb: a TCP packet was dropped; reason is enum skb_drop_reason.
    TCPLAB_DROP = 11,
    // skb:consume_skb of a SYN to a listener whose accept queue is full: tcp_conn_request
    // refused it (LINUX_MIB_LISTENOVERFLOWS) and the kernel consumed it, with no drop
    // reason. reason holds the queue's length (high 16 bits) and the backlog (low 16).
    TCPLAB_SYN_OVERFLOW = 12,
};

// One event. Addresses are in network byte order (IPv4 in the first 4 bytes), ports in
// host byte order. source is the local end for socket events, the sender for packets.
struct tcplab_event {
    // bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME, in nanoseconds.
    unsigned long long time_ns;
    // The kernel's address of the socket, used only to tell sockets apart.
    unsigned long long socket;
    unsigned int kind;
    // enum sk_rst_reason, enum skb_drop_reason, or a retransmission's error.
    unsigned int reason;
    unsigned short family;
    unsigned short source_port;
    unsigned short destination_port;
    // include/net/tcp_states.h numbers; 0 when there is no socket.
    unsigned char old_state;
    unsigned char new_state;
    // The TCP flags of the packet, for resets answered to a packet and for drops.
    unsigned char tcp_flags;
    unsigned char padding[7];
    unsigned char source_address[16];
    unsigned char destination_address[16];
};

// What the program is told before it is loaded (its read-only data).
struct tcplab_config {
    // The inode of the lab's network namespace (/proc/thread-self/ns/net).
    unsigned int netns_inode;
};

#endif
