/*
 * migtest-prng.h - page content generator shared by the migration test
 * guest (migtest-guest.c, freestanding, 32-bit) and the host-side dump
 * checker (migtest-memcheck.c, hosted C99).  Keeping it in one header
 * guarantees both sides compute exactly the same bytes.
 *
 * Layout of a "filled" test page (4096 bytes):
 *   byte 0       dirty counter, 0 after the fill, then incremented once
 *                per pass by the dirty loop
 *   bytes 1..4095 bytes 1..4095 of the page's PRNG stream
 *
 * The PRNG stream of region page i (i counts from the start of the test
 * region, not from physical address 0) is:
 *   state  = splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15), or
 *            0x9E3779B97F4A7C15 if that happens to be 0
 *   output = 512 successive xorshift64* values (Vigna, shifts 12/25/27,
 *            multiplier 0x2545F4914F6CDD1D), each stored little-endian.
 * So every page can be recomputed on its own from (seed, i).
 *
 * Only 64-bit add, xor, shift and multiply are used: no libgcc helpers
 * are needed when this is compiled with -m32.
 */
#ifndef MIGTEST_PRNG_H
#define MIGTEST_PRNG_H

#include <stdint.h>

#define MIGTEST_PAGE_SIZE 4096

static inline uint64_t migtest_splitmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t migtest_prng_page_state(uint64_t seed, uint64_t page)
{
    uint64_t s = migtest_splitmix64(seed + (page + 1) * 0x9E3779B97F4A7C15ULL);

    return s ? s : 0x9E3779B97F4A7C15ULL;
}

static inline uint64_t migtest_xorshift64s(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/*
 * Write the full expected content of region page @page into @buf
 * (MIGTEST_PAGE_SIZE bytes), with the counter byte set to 0.
 */
static inline void migtest_prng_fill_page(uint8_t *buf, uint64_t seed,
                                          uint64_t page)
{
    uint64_t state = migtest_prng_page_state(seed, page);
    unsigned i, j;

    for (i = 0; i < MIGTEST_PAGE_SIZE; i += 8) {
        uint64_t v = migtest_xorshift64s(&state);

        for (j = 0; j < 8; j++) {
            buf[i + j] = (uint8_t)(v >> (8 * j));
        }
    }
    buf[0] = 0;
}

#endif /* MIGTEST_PRNG_H */
