/*
 * kudo: the Kudo CNI plugin binary, a native forwarder (C99, libc and Linux headers only).
 *
 * A runtime execs the plugin for each ADD and DEL; a Node plugin paid a Node start each time. This binary
 * only forwards the exec to the node's agent, which runs the CNI spec code (apps/agent/src/cni/plugin/)
 * in its long-lived process: the CNI_* variables that are set, as headers, and stdin, as the body, in
 * `POST /exec` over the agent's unix socket (framing: apps/agent/src/cni/cni-exec.ts). It writes the
 * answer's body on stdout and exits with its `cni-exit-code`.
 *
 * What it does itself: VERSION (no agent needed), and the error JSON when the agent cannot be reached:
 * 4 when a CNI_* variable the command needs is missing (or CNI_COMMAND is unknown), with the agent's own
 * message, since no retry would help; 6 when stdin is not a JSON object, since the socket cannot be known
 * then; 50 for STATUS and 11 "try again later" otherwise. The socket is the config's top-level "agentSocket" string (default
 * /run/kudo/agent.sock), found by a small JSON reader that checks the syntax and reads the top-level
 * keys "agentSocket" and "cniVersion"; the agent validates everything else. Logs go to stderr only.
 *
 * For ADD it also lends the agent a process inside the container's namespace, which the agent (Node, no
 * setns) cannot enter without starting one (nsenter + ip, 4-7 ms): a child enters CNI_NETNS, connects to
 * the socket with `GET /ip-helper` (`connection: upgrade`; its pid, its parent's and CNI_NETNS as headers),
 * and serves that connection as `ip -batch -` would, started once the ADD request is sent, while the agent
 * works on it; the agent writes the container side's lines there (apps/agent/src/cni/cni-ip-helpers.ts)
 * and closes it before it answers. The child runs those lines itself over rtnetlink (container-side.c: no
 * `ip` exec, ready at once); a batch with a line outside that subset goes to a real `ip -batch -` instead.
 * The ADD request announces the child by the forwarder's own pid (`kudo-lends-ip: PID`); when the child
 * cannot enter, the agent starts its own process as before.
 */
#define _GNU_SOURCE /* SOCK_CLOEXEC, MSG_NOSIGNAL */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/mman.h>
#include <unistd.h>

#include "container-side.h"

#define DEFAULT_SOCKET "/run/kudo/agent.sock"
#define LATEST_VERSION "1.1.0"
static const char *const supported_versions[] = {"0.3.1", "0.4.0", "1.0.0", "1.1.0"};
static const char *const env_names[] = {"CNI_COMMAND", "CNI_CONTAINERID", "CNI_NETNS",
                                        "CNI_IFNAME",  "CNI_ARGS",        "CNI_PATH"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The CNI_* variables each command needs, as the agent's spec code has them (environment.ts there). */
static const struct {
  const char *command;
  const char *required[4];
} commands[] = {
    {"ADD", {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"}},
    /* DEL may come after the namespace is gone: no CNI_NETNS then. */
    {"DEL", {"CNI_CONTAINERID", "CNI_IFNAME", "CNI_PATH"}},
    {"VERSION", {NULL}},
    {"CHECK", {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME", "CNI_PATH"}},
    {"GC", {"CNI_PATH"}},
    {"STATUS", {NULL}},
};

typedef struct { char *data; size_t len, cap; } buffer;

static void append(buffer *b, const char *data, size_t len) {
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + len + 1 > cap) cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) { fputs("kudo: out of memory\n", stderr); exit(1); }
    b->data = grown, b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
}
static void append_str(buffer *b, const char *s) { append(b, s, strlen(s)); }

/* --- A JSON reader: checks the syntax, keeps two top-level string values. --- */
typedef struct { const char *p, *end; } cursor;
static void skip_ws(cursor *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) c->p++;
}

/* Reads a string; its decoded bytes (\uXXXX above 0x7f kept as '?') go to out, cut at cap - 1. */
static int read_string(cursor *c, char *out, size_t cap) {
  size_t n = 0;
  if (c->p >= c->end || *c->p != '"') return 0;
  for (c->p++; c->p < c->end; c->p++) {
    char ch = *c->p;
    if (ch == '"') { c->p++; if (out) out[n] = '\0'; return 1; }
    if ((unsigned char)ch < 0x20) return 0;
    if (ch == '\\') {
      if (++c->p >= c->end) return 0;
      static const char escapes[] = "\"\\/bfnrtu", decoded[] = "\"\\/\b\f\n\r\t";
      const char *esc = *c->p ? strchr(escapes, *c->p) : NULL;
      if (!esc) return 0;
      if (*c->p == 'u') {
        if (c->end - c->p < 5) return 0;
        char hex[5] = {c->p[1], c->p[2], c->p[3], c->p[4], 0}, *stop;
        long code = strtol(hex, &stop, 16);
        if (*stop) return 0;
        ch = code < 0x80 ? (char)code : '?';
        c->p += 4;
      } else ch = decoded[esc - escapes];
    }
    if (out && n + 1 < cap) out[n++] = ch;
  }
  return 0;
}

static int read_value(cursor *c, int depth);
static int read_members(cursor *c, int depth, char close, int is_object) {
  skip_ws(c);
  if (c->p < c->end && *c->p == close) { c->p++; return 1; }
  for (;;) {
    skip_ws(c);
    if (is_object) {
      if (!read_string(c, NULL, 0)) return 0;
      skip_ws(c);
      if (c->p >= c->end || *c->p++ != ':') return 0;
    }
    if (!read_value(c, depth + 1)) return 0;
    skip_ws(c);
    if (c->p >= c->end) return 0;
    if (*c->p == close) { c->p++; return 1; }
    if (*c->p++ != ',') return 0;
  }
}
static int read_value(cursor *c, int depth) {
  skip_ws(c);
  if (c->p >= c->end || depth > 256) return 0;
  if (*c->p == '{') return c->p++, read_members(c, depth, '}', 1);
  if (*c->p == '[') return c->p++, read_members(c, depth, ']', 0);
  if (*c->p == '"') return read_string(c, NULL, 0);
  static const char *const literals[] = {"true", "false", "null"};
  for (size_t i = 0; i < COUNT(literals); i++) {
    size_t len = strlen(literals[i]);
    if ((size_t)(c->end - c->p) >= len && !strncmp(c->p, literals[i], len)) return c->p += len, 1;
  }
  const char *start = c->p;
  while (c->p < c->end && *c->p && strchr("+-0123456789.eE", *c->p)) c->p++;
  return c->p > start;
}

/* The config's top-level "agentSocket" and "cniVersion"; 0 when stdin is not a JSON object. */
static int read_config(const buffer *in, char *socket_path, size_t socket_cap, char *version, size_t version_cap) {
  cursor c = {in->data ? in->data : "", (in->data ? in->data : "") + in->len};
  skip_ws(&c);
  if (c.p >= c.end || *c.p++ != '{') return 0;
  skip_ws(&c);
  if (c.p < c.end && *c.p == '}') return c.p++, skip_ws(&c), c.p == c.end;
  for (;;) {
    char key[32];
    skip_ws(&c);
    if (!read_string(&c, key, sizeof key)) return 0;
    skip_ws(&c);
    if (c.p >= c.end || *c.p++ != ':') return 0;
    skip_ws(&c);
    int is_socket = !strcmp(key, "agentSocket"), is_version = !strcmp(key, "cniVersion");
    if ((is_socket || is_version) && c.p < c.end && *c.p == '"') {
      if (!read_string(&c, is_socket ? socket_path : version, is_socket ? socket_cap : version_cap)) return 0;
    } else if (!read_value(&c, 1)) return 0;
    skip_ws(&c);
    if (c.p >= c.end) return 0;
    if (*c.p == '}') return c.p++, skip_ws(&c), c.p == c.end;
    if (*c.p++ != ',') return 0;
  }
}

static const char *answer_version(const char *asked) {
  for (size_t i = 0; i < COUNT(supported_versions); i++)
    if (!strcmp(asked, supported_versions[i])) return asked;
  return LATEST_VERSION;
}

static void append_json_string(buffer *b, const char *s) {
  append_str(b, "\"");
  for (; *s; s++) {
    char escaped[8];
    if (*s == '"' || *s == '\\') snprintf(escaped, sizeof escaped, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) snprintf(escaped, sizeof escaped, "\\u%04x", (unsigned char)*s);
    else snprintf(escaped, sizeof escaped, "%c", *s);
    append_str(b, escaped);
  }
  append_str(b, "\"");
}

/* The spec's error JSON on stdout (and stderr), as the agent would have written it; exit 1. */
static int fail(const char *version, int code, const char *message) {
  buffer out = {0};
  char head[64];
  snprintf(head, sizeof head, "{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":", version, code);
  append_str(&out, head);
  append_json_string(&out, message);
  append_str(&out, "}\n");
  fwrite(out.data, 1, out.len, stdout);
  fprintf(stderr, "kudo: %s", out.data);
  return 1;
}

/* A header line `name: value` with the value percent-encoded (every byte outside `!`..`~`, and `%`). */
static void append_header(buffer *b, const char *name, const char *value) {
  append_str(b, name);
  append_str(b, ": ");
  for (const unsigned char *s = (const unsigned char *)value; *s; s++) {
    char escaped[4];
    if (*s < 0x21 || *s > 0x7e || *s == '%') snprintf(escaped, sizeof escaped, "%%%02X", *s);
    else escaped[0] = (char)*s, escaped[1] = '\0';
    append_str(b, escaped);
  }
  append_str(b, "\r\n");
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return 0;
    data += n, len -= (size_t)n;
  }
  return 1;
}

/*
 * What the agent's spec code refuses in the environment with code 4, in its words: a missing (or empty)
 * variable the command needs, or an unknown CNI_COMMAND. Writes the message and returns 1; 0 when fine.
 */
static int check_environment(const char *command, char *message, size_t cap) {
  if (!command || !*command) return snprintf(message, cap, "missing environment variables: CNI_COMMAND"), 1;
  for (size_t i = 0; i < COUNT(commands); i++) {
    if (strcmp(commands[i].command, command)) continue;
    size_t len = 0;
    for (size_t j = 0; j < COUNT(commands[i].required) && commands[i].required[j]; j++) {
      const char *value = getenv(commands[i].required[j]);
      if (value && *value) continue;
      int written = snprintf(message + len, cap - len, "%s%s", len ? ", " : "missing environment variables: ",
                             commands[i].required[j]);
      if (written > 0 && (size_t)written < cap - len) len += (size_t)written;
    }
    return len > 0;
  }
  char listed[64] = "";
  for (size_t i = 0; i < COUNT(commands); i++) {
    if (i) strcat(listed, ", ");
    strcat(listed, commands[i].command);
  }
  snprintf(message, cap, "CNI_COMMAND: unknown command '%.200s' (one of %s)", command, listed);
  return 1;
}

/* A connected socket to the agent, or -1 with errno set. */
static int connect_agent(const char *socket_path) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(socket_path) >= sizeof address.sun_path) return errno = ENAMETOOLONG, -1;
  strcpy(address.sun_path, socket_path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) return close(fd), -1;
  return fd;
}

/*
 * The fallback: the real `ip -batch -` with the lines the agent wrote (kept in a memory file as its stdin)
 * and its output on the connection, for a batch outside what container-side.c knows.
 */
static void exec_ip_batch(int fd, const buffer *lines) {
  const char *failure = "kudo: cannot start ip for the container side\n";
  int input = memfd_create("kudo-ip-batch", 0);
  size_t written = 0;
  while (input >= 0 && written < lines->len) {
    ssize_t n = write(input, lines->data + written, lines->len - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += (size_t)n;
  }
  if (written == lines->len && lseek(input, 0, SEEK_SET) == 0 && dup2(input, 0) == 0 && dup2(fd, 1) == 1 &&
      dup2(fd, 2) == 2) {
    /* ip gets the memory file as its stdin only, not a second fd to it. */
    if (input > 2) close(input);
    char *const args[] = {"ip", "-batch", "-", NULL};
    static const char *const paths[] = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};
    for (size_t i = 0; i < COUNT(paths); i++) execv(paths[i], args);
    execvp("ip", args);
  }
  /* The agent reads this instead of the batch's last line, so it fails the batch with the reason. */
  (void)!send(fd, failure, strlen(failure), MSG_NOSIGNAL);
  _exit(0);
}

/*
 * The child lent to the agent (see the top): connects, enters the namespace, says who it is, and runs the
 * container side's lines the agent writes on the connection (container-side.c; a batch with other lines
 * goes to a real `ip -batch -`). Its headers go once it is in the namespace (the agent compares its
 * /proc/PID/ns/net with CNI_NETNS); when it cannot enter, they go all the same and it ends, so the agent
 * learns at once that it has to work without it.
 */
static void run_ip_helper(const char *socket_path, const char *netns, int inherited) {
  close(inherited);
  int fd = connect_agent(socket_path);
  if (fd < 0) _exit(0);
  int ns = open(netns, O_RDONLY | O_CLOEXEC);
  int is_inside = ns >= 0 && setns(ns, CLONE_NEWNET) == 0;
  buffer request = {0};
  char pid[32];
  snprintf(pid, sizeof pid, "%ld", (long)getpid());
  append_str(&request, "GET /ip-helper HTTP/1.1\r\nhost: kudo-agent\r\nconnection: upgrade\r\nupgrade: kudo-ip\r\n");
  append_header(&request, "kudo-ip-helper", pid);
  snprintf(pid, sizeof pid, "%ld", (long)getppid());
  append_header(&request, "kudo-forwarder", pid);
  append_header(&request, "cni-netns", netns);
  append_str(&request, "\r\n");
  if (!write_all(fd, request.data, request.len) || !is_inside) _exit(0);
  /* The agent writes the whole batch and ends its side (or closes the connection: no work). */
  buffer lines = {0};
  char chunk[4096];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) append(&lines, chunk, (size_t)n);
  if (n < 0 || lines.len == 0) _exit(0);
  static container_batch batch;
  if (parse_container_side(lines.data, lines.len, &batch) && run_container_side(&batch, fd) >= 0) _exit(0);
  exec_ip_batch(fd, &lines);
}

/* Whether this exec lends the agent an `ip` (ADD, in a namespace). */
static int lends_ip(void) {
  const char *command = getenv("CNI_COMMAND"), *netns = getenv("CNI_NETNS");
  return command && !strcmp(command, "ADD") && netns && *netns;
}

/*
 * POST /exec; on success the answer's body goes to stdout and its exit code is returned, else -1. When
 * `helper` is given, the helper is started once the request is sent, and its pid stored there (0: none).
 */
static int forward(const char *socket_path, const buffer *in, pid_t *helper, char *why, size_t why_cap) {
  int fd = connect_agent(socket_path);
  if (fd < 0) return snprintf(why, why_cap, "connect %s: %s", socket_path, strerror(errno)), -1;
  buffer request = {0};
  char line[96];
  snprintf(line, sizeof line, "POST /exec HTTP/1.1\r\nhost: kudo-agent\r\ncontent-length: %zu\r\n", in->len);
  append_str(&request, line);
  if (helper) {
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    append_header(&request, "kudo-lends-ip", pid);
  }
  for (size_t i = 0; i < COUNT(env_names); i++) {
    const char *value = getenv(env_names[i]);
    if (!value) continue;
    char name[32];
    size_t k = 0;
    for (const char *s = env_names[i]; *s; s++) name[k++] = *s == '_' ? '-' : (char)(*s | 0x20);
    name[k] = '\0';
    append_header(&request, name, value);
  }
  append_str(&request, "connection: close\r\n\r\n");
  if (in->len) append(&request, in->data, in->len);
  buffer answer = {0};
  char chunk[65536];
  ssize_t n;
  int sent = write_all(fd, request.data, request.len);
  if (sent && helper) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) run_ip_helper(socket_path, getenv("CNI_NETNS"), fd);
    *helper = pid > 0 ? pid : 0;
  }
  while (sent && ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0) append(&answer, chunk, (size_t)n);
  close(fd);
  char *body = answer.data ? strstr(answer.data, "\r\n\r\n") : NULL;
  if (!sent || !body || strncmp(answer.data, "HTTP/1.1 200 ", 13))
    return snprintf(why, why_cap, "no answer from %s", socket_path), -1;
  *body = '\0';
  body += 4;
  int exit_code = -1;
  for (char *h = strstr(answer.data, "\r\n"); h; h = strstr(h + 2, "\r\n"))
    if (!strncasecmp(h + 2, "cni-exit-code:", 14)) exit_code = atoi(h + 16);
  if (exit_code < 0) return snprintf(why, why_cap, "no cni-exit-code from %s", socket_path), -1;
  size_t body_len = answer.len - (size_t)(body - answer.data);
  fwrite(body, 1, body_len, stdout);
  if (exit_code != 0) fprintf(stderr, "kudo: %.*s", (int)body_len, body);
  return exit_code;
}

int main(void) {
  buffer in = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) append(&in, chunk, n);
  char socket_path[4096] = DEFAULT_SOCKET, asked[32] = "";
  int is_object = read_config(&in, socket_path, sizeof socket_path, asked, sizeof asked);
  if (!is_object) strcpy(socket_path, DEFAULT_SOCKET);
  const char *version = answer_version(is_object ? asked : "");
  const char *command = getenv("CNI_COMMAND");
  if (command && !strcmp(command, "VERSION")) {
    printf("{\"cniVersion\":\"%s\",\"supportedVersions\":[", version);
    for (size_t i = 0; i < COUNT(supported_versions); i++) printf("%s\"%s\"", i ? "," : "", supported_versions[i]);
    printf("]}\n");
    return 0;
  }
  char why[4200];
  pid_t helper = 0;
  int exit_code = forward(socket_path, &in, lends_ip() ? &helper : NULL, why, sizeof why);
  /* The agent has closed the helper's connection by the time it answers (or the connection failed). */
  if (helper > 0) {
    fflush(stdout);
    waitpid(helper, NULL, 0);
  }
  if (exit_code >= 0) return exit_code;
  char message[4300];
  if (check_environment(command, message, sizeof message)) return fail(version, 4, message);
  if (!is_object) return fail(version, 6, "the network configuration on stdin is not a JSON object");
  snprintf(message, sizeof message, "the Kudo agent cannot be reached: %s", why);
  return fail(version, command && !strcmp(command, "STATUS") ? 50 : 11, message);
}
