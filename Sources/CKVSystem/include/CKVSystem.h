#ifndef CKVSYSTEM_H
#define CKVSYSTEM_H
#include <stddef.h>

/// Bytes malloc has handed out and not taken back (glibc mallinfo2: uordblks + hblkhd).
size_t kv_malloc_allocated_bytes(void);

#endif
