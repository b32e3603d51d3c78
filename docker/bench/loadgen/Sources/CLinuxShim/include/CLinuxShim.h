// What Swift's Glibc module leaves out: epoll and timerfd. epoll_event is packed on x86-64, so
// the shim passes its fields as plain arrays instead of letting Swift lay out the struct.
#pragma once
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

static const uint32_t kv_EPOLLIN = EPOLLIN;
static const uint32_t kv_EPOLLOUT = EPOLLOUT;
static const uint32_t kv_EPOLLERR = EPOLLERR;
static const uint32_t kv_EPOLLHUP = EPOLLHUP;

/// epoll_ctl with the event's data as a 64-bit tag.
int kv_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t tag);
/// epoll_wait writing each ready event's tag and flags into two arrays of `max` entries.
int kv_epoll_wait(int epfd, uint64_t *tags, uint32_t *events, int max, int timeout);
/// A non-blocking CLOCK_MONOTONIC timerfd.
int kv_timerfd_create(void);
/// Arms `fd` to expire once at the absolute monotonic time `nanos`.
int kv_timerfd_at(int fd, int64_t nanos);
