/*
 * The container side of an ADD, done by the forwarder's child itself over rtnetlink (C99 + Linux uapi).
 *
 * The agent writes the child the same `ip -batch` lines it would give any `ip` in the container's
 * namespace (netcore's renderInstanceSideLines, then cni-ip-helpers.ts's sentinel `link show dev lo`), and
 * reads what comes back as ip's output. An `ip` exec costs the child 1-3 ms here (a dynamic program with
 * eight libraries) and its batch one name lookup per line; these lines need neither, so the child runs
 * them itself, one request at a time in their order, and answers as `ip -batch -` would: the sentinel's
 * `N: lo: ...` line once every line before it succeeded; at the first failure `RTNETLINK answers: REASON`
 * (or `Cannot find device "NAME"`) and `Command failed -:LINE`, and nothing after it (ip without -force).
 *
 * Only this subset is known, word for word:
 *   link set lo up | link set DEV up                      (RTM_NEWLINK, IFF_UP)
 *   addr flush dev DEV                                     (RTM_GETADDR dump, RTM_DELADDR of DEV's)
 *   addr add A.B.C.D/N dev DEV                             (RTM_NEWADDR, create, exclusive)
 *   route replace default via A.B.C.D dev DEV              (RTM_NEWROUTE, create, replace, main table, boot)
 *   link show dev DEV                                      (its index and name)
 * A batch with any other line is not started here: the caller execs the real `ip` with it (the fallback).
 */
#define _GNU_SOURCE
#include "container-side.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_WORDS 12
/* Splits a line into words (spaces and tabs); 0 when there are too many. */
static int split(char *line, char **words, int *count) {
  *count = 0;
  for (char *word = strtok(line, " \t\r"); word; word = strtok(NULL, " \t\r")) {
    if (*count == MAX_WORDS) return 0;
    words[(*count)++] = word;
  }
  return 1;
}

static int is_line(char **w, int n, int expected, const char *const *pattern) {
  if (n != expected) return 0;
  for (int i = 0; i < n; i++)
    if (pattern[i] && strcmp(w[i], pattern[i])) return 0;
  return 1;
}

static int copy_dev(char *out, const char *name) {
  if (!*name || strlen(name) >= IFNAMSIZ) return 0;
  strcpy(out, name);
  return 1;
}

/* A.B.C.D, or A.B.C.D/N with 0 <= N <= 32 when prefix is given. */
static int read_address(const char *text, struct in_addr *address, int *prefix) {
  char copy[32];
  if (strlen(text) >= sizeof copy) return 0;
  strcpy(copy, text);
  char *slash = strchr(copy, '/');
  if (prefix) {
    if (!slash || !slash[1] || strlen(slash + 1) > 2) return 0;
    *slash = '\0';
    *prefix = 0;
    for (const char *d = slash + 1; *d; d++) {
      if (*d < '0' || *d > '9') return 0;
      *prefix = *prefix * 10 + (*d - '0');
    }
    if (*prefix > 32) return 0;
  } else if (slash) return 0;
  return inet_pton(AF_INET, copy, address) == 1;
}

/* One line of the known subset into a step; 0 when it is anything else. */
static int parse_step(char *line, step *out) {
  char *w[MAX_WORDS];
  int n;
  if (!split(line, w, &n)) return 0;
  memset(out, 0, sizeof *out);
  static const char *const link_up[] = {"link", "set", NULL, "up"};
  static const char *const flush[] = {"addr", "flush", "dev", NULL};
  static const char *const add[] = {"addr", "add", NULL, "dev", NULL};
  static const char *const route[] = {"route", "replace", "default", "via", NULL, "dev", NULL};
  static const char *const show[] = {"link", "show", "dev", NULL};
  if (is_line(w, n, 4, link_up)) return out->kind = LINK_UP, copy_dev(out->dev, w[2]);
  if (is_line(w, n, 4, flush)) return out->kind = ADDR_FLUSH, copy_dev(out->dev, w[3]);
  if (is_line(w, n, 5, add))
    return out->kind = ADDR_ADD, read_address(w[2], &out->address, &out->prefix) && copy_dev(out->dev, w[4]);
  if (is_line(w, n, 7, route))
    return out->kind = ROUTE_DEFAULT, read_address(w[4], &out->address, NULL) && copy_dev(out->dev, w[6]);
  if (is_line(w, n, 4, show)) return out->kind = LINK_SHOW, copy_dev(out->dev, w[3]);
  return 0;
}

int parse_container_side(const char *input, size_t len, container_batch *batch) {
  batch->count = 0;
  size_t start = 0;
  int line_number = 0;
  while (start < len) {
    size_t end = start;
    while (end < len && input[end] != '\n') end++;
    char line[256];
    size_t line_len = end - start;
    line_number++;
    if (line_len >= sizeof line || memchr(input + start, '\0', line_len)) return 0;
    memcpy(line, input + start, line_len);
    line[line_len] = '\0';
    start = end + 1;
    if (strspn(line, " \t\r") == line_len) continue;
    if (batch->count == MAX_STEPS) return 0;
    if (!parse_step(line, &batch->steps[batch->count])) return 0;
    batch->steps[batch->count++].line = line_number;
  }
  return batch->count > 0;
}

/* --- rtnetlink: one request, then its acknowledgement (or, for a dump, its messages). --- */
typedef struct {
  struct nlmsghdr header;
  union {
    struct ifinfomsg link;
    struct ifaddrmsg addr;
    struct rtmsg route;
  } body;
  char attributes[64];
} request;

static void add_attribute(request *r, unsigned short type, const void *data, unsigned short len) {
  struct rtattr *attribute = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->header.nlmsg_len));
  attribute->rta_type = type;
  attribute->rta_len = (unsigned short)RTA_LENGTH(len);
  memcpy(RTA_DATA(attribute), data, len);
  r->header.nlmsg_len = NLMSG_ALIGN(r->header.nlmsg_len) + RTA_ALIGN(attribute->rta_len);
}

static unsigned sequence;
/* The kernel's own words for the last failure (extended ack), as `ip` prints them; empty when none. */
static char kernel_message[200];

/* Reads until the acknowledgement of request `seq`: 0, or the kernel's negative errno. */
static int read_ack(int fd, unsigned seq) {
  char answer[8192];
  for (;;) {
    ssize_t n = recv(fd, answer, sizeof answer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR) continue;
      kernel_message[0] = '\0';
      /* Too short to hold an error code: not an answer the kernel gives; read as a failure. */
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) return -EBADMSG;
      struct nlmsgerr *ack = NLMSG_DATA(h);
      if (ack->error < 0 && (h->nlmsg_flags & NLM_F_ACK_TLVS)) {
        /* The attributes follow the request copied back, unless the ack is capped (NETLINK_CAP_ACK). */
        size_t copied = (h->nlmsg_flags & NLM_F_CAPPED) || ack->msg.nlmsg_len < NLMSG_HDRLEN
                            ? 0
                            : ack->msg.nlmsg_len - NLMSG_HDRLEN;
        size_t offset = sizeof *ack + copied;
        size_t end = h->nlmsg_len - NLMSG_HDRLEN;
        while (offset + sizeof(struct rtattr) <= end) {
          struct rtattr *attribute = (struct rtattr *)((char *)ack + offset);
          if (attribute->rta_len < sizeof *attribute || offset + attribute->rta_len > end) break;
          if (attribute->rta_type == NLMSGERR_ATTR_MSG) {
            snprintf(kernel_message, sizeof kernel_message, "%.*s", (int)RTA_PAYLOAD(attribute),
                     (const char *)RTA_DATA(attribute));
            break;
          }
          offset += RTA_ALIGN(attribute->rta_len);
        }
      }
      return ack->error;
    }
  }
}

/* Sends the request and reads its acknowledgement. */
static int talk(int fd, struct nlmsghdr *r) {
  r->nlmsg_seq = ++sequence;
  r->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (send(fd, r, r->nlmsg_len, 0) < 0) return -errno;
  return read_ack(fd, sequence);
}

static int set_link_up(int fd, int index) {
  request r = {.header = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK}};
  r.body.link.ifi_family = AF_UNSPEC;
  r.body.link.ifi_index = index;
  r.body.link.ifi_flags = IFF_UP;
  r.body.link.ifi_change = IFF_UP;
  return talk(fd, &r.header);
}

static int add_address(int fd, int index, struct in_addr address, int prefix) {
  request r = {.header = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                          .nlmsg_type = RTM_NEWADDR,
                          .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
  r.body.addr.ifa_family = AF_INET;
  r.body.addr.ifa_prefixlen = (unsigned char)prefix;
  r.body.addr.ifa_index = (unsigned)index;
  add_attribute(&r, IFA_LOCAL, &address, sizeof address);
  add_attribute(&r, IFA_ADDRESS, &address, sizeof address);
  return talk(fd, &r.header);
}

static int replace_default_route(int fd, int index, struct in_addr gateway) {
  request r = {.header = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
                          .nlmsg_type = RTM_NEWROUTE,
                          .nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE}};
  r.body.route.rtm_family = AF_INET;
  r.body.route.rtm_table = RT_TABLE_MAIN;
  r.body.route.rtm_protocol = RTPROT_BOOT;
  r.body.route.rtm_scope = RT_SCOPE_UNIVERSE;
  r.body.route.rtm_type = RTN_UNICAST;
  unsigned oif = (unsigned)index;
  add_attribute(&r, RTA_GATEWAY, &gateway, sizeof gateway);
  add_attribute(&r, RTA_OIF, &oif, sizeof oif);
  return talk(fd, &r.header);
}

/*
 * Deletes every address of the link (all families), as `ip addr flush dev` does: dump, then delete each.
 * At most 32 are kept per dump; a link with more is dumped again until none is left (`ip` has no limit).
 */
static int flush_addresses(int fd, int index) {
  kernel_message[0] = '\0';
  for (int round = 0; round < 64; round++) {
    request dump = {.header = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
                               .nlmsg_type = RTM_GETADDR,
                               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
                               .nlmsg_seq = ++sequence}};
    dump.body.addr.ifa_family = AF_UNSPEC;
    if (send(fd, &dump, dump.header.nlmsg_len, 0) < 0) return -errno;
    /* The link's addresses, kept whole (header + attributes) to be sent back as deletions. */
    static char found[32][512];
    int count = 0, is_done = 0, has_more = 0;
    while (!is_done) {
      static char answer[32768];
      ssize_t n = recv(fd, answer, sizeof answer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return -errno;
      for (struct nlmsghdr *h = (struct nlmsghdr *)answer; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_seq != dump.header.nlmsg_seq) continue;
        if (h->nlmsg_type == NLMSG_DONE) is_done = 1;
        else if (h->nlmsg_type == NLMSG_ERROR)
          return h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))
                     ? -EBADMSG
                     : ((struct nlmsgerr *)NLMSG_DATA(h))->error;
        else if (h->nlmsg_type == RTM_NEWADDR && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifaddrmsg)) &&
                 ((struct ifaddrmsg *)NLMSG_DATA(h))->ifa_index == (unsigned)index) {
          if (h->nlmsg_len > sizeof found[0]) return -E2BIG;
          if (count == 32) has_more = 1;
          else memcpy(found[count++], h, h->nlmsg_len);
        }
      }
    }
    for (int i = 0; i < count; i++) {
      struct nlmsghdr *h = (struct nlmsghdr *)found[i];
      h->nlmsg_type = RTM_DELADDR;
      h->nlmsg_flags = 0;
      int error = talk(fd, h);
      /* Gone meanwhile (an IPv4 primary takes its secondaries with it) is what flush wants. */
      if (error < 0 && error != -EADDRNOTAVAIL) return error;
    }
    kernel_message[0] = '\0';
    if (!has_more) return 0;
  }
  return -E2BIG;
}

static void say(int out, const char *text) {
  size_t len = strlen(text);
  while (len > 0) {
    /* A connection the agent has closed meanwhile ends the child's work, not the child by SIGPIPE. */
    ssize_t n = send(out, text, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text += n, len -= (size_t)n;
  }
}

/* What `ip` says of a failed line: the kernel's extended ack when it gave one, its errno else. */
static void report(int out, int error, int line) {
  char message[320];
  size_t len = strlen(kernel_message);
  if (len > 0)
    snprintf(message, sizeof message, "Error: %s%s\nCommand failed -:%d\n", kernel_message,
             kernel_message[len - 1] == '.' ? "" : ".", line);
  else
    snprintf(message, sizeof message, "RTNETLINK answers: %s\nCommand failed -:%d\n", strerror(-error), line);
  say(out, message);
}

int run_container_side(const container_batch *batch, int out) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -1;
  /* As `ip` asks: the kernel's reason with a failure, and acks without the request copied back. */
  int on = 1;
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  char message[160], known_dev[IFNAMSIZ] = "";
  int known_index = 0;
  for (int i = 0; i < batch->count; i++) {
    const step *s = &batch->steps[i];
    /* Looked up once per name: the batch names the same interface on every line but the first. */
    if (strcmp(s->dev, known_dev)) {
      strcpy(known_dev, s->dev);
      known_index = (int)if_nametoindex(s->dev);
    }
    int index = known_index;
    if (!index) {
      /* ip's two wordings: a filter by device (flush, show), and a device to act on. */
      int is_filter = s->kind == ADDR_FLUSH || s->kind == LINK_SHOW;
      snprintf(message, sizeof message,
               is_filter ? "Device \"%s\" does not exist.\nCommand failed -:%d\n"
                         : "Cannot find device \"%s\"\nCommand failed -:%d\n",
               s->dev, s->line);
      say(out, message);
      close(fd);
      return 1;
    }
    int error = 0;
    if (s->kind == LINK_UP) error = set_link_up(fd, index);
    else if (s->kind == ADDR_FLUSH) error = flush_addresses(fd, index);
    else if (s->kind == ADDR_ADD) error = add_address(fd, index, s->address, s->prefix);
    else if (s->kind == ROUTE_DEFAULT) error = replace_default_route(fd, index, s->address);
    else {
      snprintf(message, sizeof message, "%d: %s: (shown by the kudo forwarder)\n", index, s->dev);
      say(out, message);
    }
    if (error < 0) {
      report(out, error, s->line);
      close(fd);
      return 1;
    }
  }
  close(fd);
  return 0;
}
