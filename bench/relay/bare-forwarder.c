/*
 * The ceiling for bench/relay: a bare UDP forwarder in C, one recvfrom + one sendto per packet, no
 * authentication. It learns each side's address from a BIND-type packet (header byte 0 low nibble = 2)
 * and forwards DATA (type 1) of a session to the other side's address. Compiled at bench time into a
 * temporary directory; never committed as a binary.
 *
 *   cc -O2 -o /tmp/bare-forwarder bare-forwarder.c && /tmp/bare-forwarder 0   # prints its UDP port
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define SESSIONS 65536

static struct sockaddr_in peers[SESSIONS][2];
static unsigned char known[SESSIONS][2];

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
  unsigned char packet[2048];
  for (;;) {
    struct sockaddr_in from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(fd, packet, sizeof packet, 0, (struct sockaddr *)&from, &fromlen);
    if (n < 14) continue;
    unsigned id = ((unsigned)packet[2] << 24 | (unsigned)packet[3] << 16 | (unsigned)packet[4] << 8 | packet[5]) % SESSIONS;
    int side = packet[1] & 1;
    int type = packet[0] & 15;
    if (type == 2) {
      peers[id][side] = from;
      known[id][side] = 1;
    } else if (type == 1 && known[id][1 - side]) {
      sendto(fd, packet, (size_t)n, 0, (struct sockaddr *)&peers[id][1 - side], sizeof(struct sockaddr_in));
    }
  }
}
