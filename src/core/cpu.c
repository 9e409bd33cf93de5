/* CPU features (cpu.h). */
#include "core/cpu.h"

#include <stdatomic.h>
#include <stdlib.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* probe()'s answer, found once (a race finds the same answer twice). */
static bool cached(atomic_int *known, bool (*probe)(void))
{
    int v = atomic_load_explicit(known, memory_order_relaxed);
    if (v < 0) {
        __builtin_cpu_init();
        v = probe();
        atomic_store_explicit(known, v, memory_order_relaxed);
    }
    return v;
}

static bool probe_avx512_bytes(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi2") &&
           __builtin_cpu_supports("bmi2") && !getenv("LH_NO_AVX512");
}

static bool probe_avx2(void)
{
    return __builtin_cpu_supports("avx2") && !getenv("LH_NO_AVX2");
}

static bool probe_ssse3(void)
{
    return __builtin_cpu_supports("ssse3") && __builtin_cpu_supports("popcnt") &&
           !getenv("LH_NO_SSSE3");
}

bool lh_cpu_avx512_bytes(void)
{
    static atomic_int known = -1;
    return cached(&known, probe_avx512_bytes);
}

bool lh_cpu_avx2(void)
{
    static atomic_int known = -1;
    return cached(&known, probe_avx2);
}

bool lh_cpu_ssse3(void)
{
    static atomic_int known = -1;
    return cached(&known, probe_ssse3);
}
#else
bool lh_cpu_avx512_bytes(void)
{
    return false;
}

bool lh_cpu_avx2(void)
{
    return false;
}

bool lh_cpu_ssse3(void)
{
    return false;
}
#endif
