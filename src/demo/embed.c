/* The files of examples/medallion/ as read-only data in the binary: the
 * assembler includes each file's bytes (.incbin, resolved from the
 * repository root, where make runs the compiler) between two symbols, with
 * a NUL after them. The Makefile makes this object depend on the files, so
 * an edit of the example rebuilds it. */
#include "demo/embed.h"

/* Defines <sym>_start and <sym>_end around the bytes of path, a NUL after. */
#define LH_EMBED(sym, path)                                                                        \
    __asm__(".pushsection .rodata\n"                                                               \
            ".balign 8\n"                                                                          \
            ".globl " #sym "_start\n"                                                              \
            ".hidden " #sym "_start\n" #sym "_start:\n"                                            \
            ".incbin \"" path "\"\n"                                                               \
            ".globl " #sym "_end\n"                                                                \
            ".hidden " #sym "_end\n" #sym "_end:\n"                                                \
            ".byte 0\n"                                                                            \
            ".popsection\n");                                                                      \
    extern const char sym##_start[], sym##_end[]

LH_EMBED(lh_medallion_yaml, "examples/medallion/medallion.yaml");
LH_EMBED(lh_medallion_b2s, "examples/medallion/bronze_to_silver.sql");
LH_EMBED(lh_medallion_s2g, "examples/medallion/silver_to_gold.sql");
LH_EMBED(lh_medallion_validate, "examples/medallion/validate.sql");
LH_EMBED(lh_medallion_readme, "examples/medallion/README.md");

static const struct {
    const char *name, *start, *end;
} files[] = {
    {"medallion.yaml", lh_medallion_yaml_start, lh_medallion_yaml_end},
    {"bronze_to_silver.sql", lh_medallion_b2s_start, lh_medallion_b2s_end},
    {"silver_to_gold.sql", lh_medallion_s2g_start, lh_medallion_s2g_end},
    {"validate.sql", lh_medallion_validate_start, lh_medallion_validate_end},
    {"README.md", lh_medallion_readme_start, lh_medallion_readme_end},
};

int lh_demo_example_file(int i, lh_demo_file_t *out)
{
    if (i < 0 || i >= (int)(sizeof files / sizeof files[0])) return -1;
    *out = (lh_demo_file_t){.name = files[i].name,
                            .data = files[i].start,
                            .len = (size_t)(files[i].end - files[i].start)};
    return 0;
}
