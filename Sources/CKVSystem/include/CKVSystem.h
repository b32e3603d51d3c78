#ifndef CKVSYSTEM_H
#define CKVSYSTEM_H
#include <stddef.h>

/// Bytes malloc has handed out and not taken back (glibc mallinfo2: uordblks + hblkhd).
size_t kv_malloc_allocated_bytes(void);

/// The CPUs this process's affinity mask allows (sched_getaffinity); 0 where unknown.
int kv_affinity_cpu_count(void);

#endif
