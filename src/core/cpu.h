/* What the CPU can do, for the few loops written for a wider instruction set
 * than the build's (x86-64 baseline): each found once, on first use. */
#ifndef LH_CORE_CPU_H
#define LH_CORE_CPU_H

#include <stdbool.h>

/* AVX-512 F, BW, VL and VBMI2 (byte compress and expand) with BMI2 (pdep,
 * pext), and LH_NO_AVX512 not set in the environment (the tests' way to run
 * the narrower paths on such a CPU). False off x86-64. */
bool lh_cpu_avx512_bytes(void);

/* AVX2, and LH_NO_AVX2 not set in the environment (the tests' way to run
 * the paths below it). False off x86-64. */
bool lh_cpu_avx2(void);

/* SSSE3 (pshufb) with POPCNT, and LH_NO_SSSE3 not set in the environment
 * (the tests' way to run the eight-byte paths). False off x86-64. */
bool lh_cpu_ssse3(void);

#endif
