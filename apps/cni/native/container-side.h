/* The container side of an ADD over rtnetlink, in the forwarder's child: container-side.c. */
#ifndef KUDO_CONTAINER_SIDE_H
#define KUDO_CONTAINER_SIDE_H
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

#define MAX_STEPS 16
typedef enum { LINK_UP, ADDR_FLUSH, ADDR_ADD, ROUTE_DEFAULT, LINK_SHOW } step_kind;
typedef struct {
  step_kind kind;
  char dev[IFNAMSIZ];
  struct in_addr address;
  int prefix;
  /* Its line in the batch, as `ip -batch` counts them in its messages. */
  int line;
} step;
typedef struct {
  step steps[MAX_STEPS];
  int count;
} container_batch;

/* The batch when every line is of the known subset (and there is one at least); 0 otherwise. */
int parse_container_side(const char *input, size_t len, container_batch *batch);

/*
 * Runs the batch in the caller's network namespace and writes what `ip -batch -` would to `out` (a
 * socket): 0 when every step succeeded, 1 at the first failure (reported), -1 when rtnetlink cannot be
 * opened (nothing done).
 */
int run_container_side(const container_batch *batch, int out);
#endif
