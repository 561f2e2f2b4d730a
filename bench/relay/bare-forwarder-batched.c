/*
 * The batched ceiling for bench/relay: the same bare forwarding as bare-forwarder.c (learn each side's
 * address from a BIND-type packet, forward DATA of a session to the other side, no authentication), but
 * receiving with one recvmmsg and sending with one sendmmsg per batch of up to 64 datagrams, so the
 * per-system-call cost is shared by the batch. This is the limit the relay's batched addon is measured
 * against (docs/benchmarks.md "Relay media forwarding"). Compiled at bench time into a temporary directory;
 * never committed as a binary.
 *
 *   cc -O2 -o /tmp/bare-forwarder-batched bare-forwarder-batched.c && /tmp/bare-forwarder-batched 0
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SESSIONS 65536
#define BATCH 64
#define PACKET 2048

static struct sockaddr_in peers[SESSIONS][2];
static unsigned char known[SESSIONS][2];
static unsigned char packets[BATCH][PACKET];
static struct sockaddr_in sources[BATCH];
static struct mmsghdr in[BATCH], out[BATCH];
static struct iovec in_iov[BATCH], out_iov[BATCH];

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) return 1;
  socklen_t len = sizeof addr;
  getsockname(fd, (struct sockaddr *)&addr, &len);
  printf("%d\n", ntohs(addr.sin_port));
  fflush(stdout);
  for (int i = 0; i < BATCH; i++) {
    in_iov[i].iov_base = packets[i];
    in_iov[i].iov_len = PACKET;
    in[i].msg_hdr.msg_iov = &in_iov[i];
    in[i].msg_hdr.msg_iovlen = 1;
    in[i].msg_hdr.msg_name = &sources[i];
  }
  for (;;) {
    for (int i = 0; i < BATCH; i++) in[i].msg_hdr.msg_namelen = sizeof sources[i];
    /* Blocks for the first datagram, then takes whatever else is already queued (MSG_WAITFORONE). */
    int count = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
    if (count <= 0) continue;
    int sends = 0;
    for (int i = 0; i < count; i++) {
      unsigned char *packet = packets[i];
      unsigned n = in[i].msg_len;
      if (n < 14) continue;
      unsigned id = ((unsigned)packet[2] << 24 | (unsigned)packet[3] << 16 | (unsigned)packet[4] << 8 | packet[5]) % SESSIONS;
      int side = packet[1] & 1;
      int type = packet[0] & 15;
      if (type == 2) {
        peers[id][side] = sources[i];
        known[id][side] = 1;
      } else if (type == 1 && known[id][1 - side]) {
        out_iov[sends].iov_base = packet;
        out_iov[sends].iov_len = n;
        memset(&out[sends].msg_hdr, 0, sizeof out[sends].msg_hdr);
        out[sends].msg_hdr.msg_iov = &out_iov[sends];
        out[sends].msg_hdr.msg_iovlen = 1;
        out[sends].msg_hdr.msg_name = &peers[id][1 - side];
        out[sends].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
        sends++;
      }
    }
    for (int sent = 0; sent < sends;) {
      int n = sendmmsg(fd, out + sent, (unsigned)(sends - sent), 0);
      if (n <= 0) break;
      sent += n;
    }
  }
}
