#define _GNU_SOURCE
#include "CKVSystem.h"
#if defined(__linux__)
#include <malloc.h>
#include <sched.h>
#endif

size_t kv_malloc_allocated_bytes(void) {
#if defined(__GLIBC__)
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
#else
    return 0;
#endif
}

int kv_affinity_cpu_count(void) {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 0;
    return CPU_COUNT(&set);
#else
    return 0;
#endif
}
