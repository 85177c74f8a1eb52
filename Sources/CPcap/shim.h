#ifndef TCPLAB_CPCAP_SHIM_H
#define TCPLAB_CPCAP_SHIM_H
// libpcap's public header; the capture module calls it directly.
#include <pcap/pcap.h>
#endif
