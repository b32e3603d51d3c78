#include "CLinuxShim.h"
#include <stdlib.h>

int kv_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t tag) {
    struct epoll_event event = { .events = events, .data = { .u64 = tag } };
    return epoll_ctl(epfd, op, fd, &event);
}

int kv_epoll_wait(int epfd, uint64_t *tags, uint32_t *events, int max, int timeout) {
    struct epoll_event ready[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, ready, max, timeout);
    for (int i = 0; i < n; i++) {
        tags[i] = ready[i].data.u64;
        events[i] = ready[i].events;
    }
    return n;
}

int kv_timerfd_create(void) {
    return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
}

int kv_timerfd_at(int fd, int64_t nanos) {
    if (nanos < 1) nanos = 1;
    struct itimerspec spec = { .it_interval = { 0, 0 },
                               .it_value = { .tv_sec = nanos / 1000000000, .tv_nsec = nanos % 1000000000 } };
    return timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL);
}
