/*
 * migtest-guest.c - tiny Multiboot (v1) guest for the QEMU migration tests.
 *
 * Boot with:
 *   qemu-system-x86_64 -kernel migtest-guest.elf \
 *       -append "mode=dirty mb=64 base=16 seed=1234"
 *
 * Parameters (Multiboot command line, tokens without '=' are ignored since
 * QEMU prepends the kernel file name):
 *   mode=dirty|fill-then-dirty|fill-then-halt|idle   (default dirty)
 *   base=MIB   start of the test region in MiB       (default 16)
 *   mb=MIB     size of the test region in MiB        (default 64)
 *   seed=N     PRNG seed, decimal or 0x hex          (default 1)
 *
 * Serial output (COM1, polled, lines end with "\n"):
 *   "MIGTEST BOOT"                      once per boot
 *   "MIGTEST mode=... base=... ..."     the parameters in effect
 *   "FILLED"                            after the PRNG fill (fill-* modes)
 *   "."                                 after each full dirty pass
 *   "IDLE"                              idle mode, then halts
 *   "MIGTEST ERROR <why>"               bad parameters, then halts
 *   "MIGTEST FAULT <vector>"            CPU exception, then halts
 *
 * The region's page i holds a counter in byte 0, incremented once per pass
 * in address order; in fill-* modes bytes 1..4095 hold PRNG data (see
 * migtest-prng.h), in dirty mode they are zero.  migtest-memcheck verifies
 * a memory dump against that.
 *
 * Why ring 3: on the shadow-paging KVM hosts (no VMX) the tests run on,
 * CPL 0 guest code is executed by KVM's instruction emulator at ~1M
 * instructions/s while CPL 3 code runs natively.  So after setting up a
 * flat GDT, a TSS and an IDT, the fill and dirty loops run in ring 3 with
 * IOPL=3 (direct serial port access) and IF=0.  Ring 3 stops for good via
 * "int $0x80", a DPL-3 interrupt gate that halts in ring 0.  No paging.
 */

#include <stdint.h>
#include <stddef.h>
#include "migtest-prng.h"

#define MIB             (1024 * 1024)
#define COM1            0x3f8

#define MB_BOOT_MAGIC   0x2BADB002
#define MB_INFO_MEMORY  (1 << 0)
#define MB_INFO_CMDLINE (1 << 2)

#define KERNEL_CS       0x08
#define KERNEL_DS       0x10
#define TSS_SEL         0x28

#define HALT_VECTOR     0x80

enum {
    MODE_DIRTY,
    MODE_FILL_THEN_DIRTY,
    MODE_FILL_THEN_HALT,
    MODE_IDLE,
};

static const char *const mode_names[] = {
    [MODE_DIRTY] = "dirty",
    [MODE_FILL_THEN_DIRTY] = "fill-then-dirty",
    [MODE_FILL_THEN_HALT] = "fill-then-halt",
    [MODE_IDLE] = "idle",
};

/* First fields of the Multiboot information structure. */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
};

struct tss {
    uint32_t prev;
    uint32_t esp0, ss0, esp1, ss1, esp2, ss2;
    uint32_t cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
};

struct __attribute__((packed)) desc_ptr {
    uint16_t limit;
    uint32_t base;
};

/* boot.S */
void load_gdt(const struct desc_ptr *gdtr);
void load_idt(const struct desc_ptr *idtr);
void enter_user(void (*fn)(void), uint32_t stack_top)
    __attribute__((noreturn));
void user_halt_entry(void);
void halt_forever(void) __attribute__((noreturn));
extern const uint32_t fault_stubs[32];
/* guest.ld */
extern char _end[];

void kmain(uint32_t magic, const struct multiboot_info *mbi);
void fault_handler(uint32_t vector);

static uint64_t gdt[6];
static uint64_t idt[256];
static struct tss tss;
static uint8_t intr_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[16384] __attribute__((aligned(16)));

/* Parameters, read by the ring 3 code too (flat segments, no paging). */
static int mode = MODE_DIRTY;
static uint32_t base_mb = 16;
static uint32_t region_mb = 64;
static uint64_t seed = 1;

/* Serial port, usable from ring 0 and from ring 3 (IOPL=3). */

static inline void outb(uint16_t port, uint8_t val)
{
    asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t val;

    asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts */
    outb(COM1 + 3, 0x80);   /* DLAB */
    outb(COM1 + 0, 0x01);   /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8N1 */
    outb(COM1 + 2, 0xc7);   /* FIFO on, cleared */
    outb(COM1 + 4, 0x03);   /* DTR, RTS */
}

static void serial_putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20)) {
        /* wait for the transmit holding register to be empty */
    }
    outb(COM1, c);
}

static void serial_puts(const char *s)
{
    while (*s) {
        serial_putc(*s++);
    }
}

/* Decimal output of a 64-bit value without libgcc (16 bits at a time). */
static void serial_putu64(uint64_t v)
{
    char buf[21];
    int n = 0;

    do {
        uint32_t rem = 0;
        uint64_t q = 0;
        int shift;

        for (shift = 48; shift >= 0; shift -= 16) {
            uint32_t cur = (rem << 16) | (uint32_t)((v >> shift) & 0xffff);

            q |= (uint64_t)(cur / 10) << shift;
            rem = cur % 10;
        }
        buf[n++] = '0' + rem;
        v = q;
    } while (v);
    while (n) {
        serial_putc(buf[--n]);
    }
}

static void __attribute__((noreturn)) fatal(const char *msg)
{
    serial_puts("MIGTEST ERROR ");
    serial_puts(msg);
    serial_putc('\n');
    halt_forever();
}

void fault_handler(uint32_t vector)
{
    serial_puts("MIGTEST FAULT ");
    serial_putu64(vector);
    serial_putc('\n');
}

/* Command line parsing. */

static int str_eq(const char *s, size_t len, const char *lit)
{
    size_t i;

    for (i = 0; i < len; i++) {
        if (lit[i] != s[i]) {
            return 0;
        }
    }
    return lit[len] == '\0';
}

/* Parse decimal or 0x-prefixed hex, return 0 on success. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    unsigned radix = 10;
    size_t i = 0;

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        radix = 16;
        i = 2;
    }
    if (i == len) {
        return -1;
    }
    for (; i < len; i++) {
        char c = s[i];
        unsigned d;

        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (radix == 16 && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (radix == 16 && c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            return -1;
        }
        v = v * radix + d;
    }
    *out = v;
    return 0;
}

static void parse_param(const char *key, size_t klen,
                        const char *val, size_t vlen)
{
    uint64_t v;
    int i;

    if (str_eq(key, klen, "mode")) {
        for (i = 0; i <= MODE_IDLE; i++) {
            if (str_eq(val, vlen, mode_names[i])) {
                mode = i;
                return;
            }
        }
        fatal("bad mode");
    }
    if (parse_u64(val, vlen, &v) < 0) {
        fatal("bad number");
    }
    if (str_eq(key, klen, "seed")) {
        seed = v;
        return;
    }
    if (!str_eq(key, klen, "base") && !str_eq(key, klen, "mb")) {
        fatal("unknown parameter");
    }
    if (v > 4096) {
        fatal("region does not fit");   /* beyond 4 GiB anyway */
    }
    if (key[0] == 'b') {
        base_mb = v;
    } else {
        region_mb = v;
    }
}

static void parse_cmdline(const char *s)
{
    while (*s) {
        const char *tok, *eq = NULL;

        while (*s == ' ') {
            s++;
        }
        tok = s;
        while (*s && *s != ' ') {
            if (*s == '=' && !eq) {
                eq = s;
            }
            s++;
        }
        if (eq) {
            parse_param(tok, eq - tok, eq + 1, s - eq - 1);
        }
    }
}

/* Descriptor tables. */

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access,
                         uint8_t flags)
{
    return (uint64_t)(limit & 0xffff) |
           (uint64_t)(base & 0xffffff) << 16 |
           (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xf) << 48 |
           (uint64_t)(flags & 0xf) << 52 |
           (uint64_t)(base >> 24) << 56;
}

static uint64_t gate_desc(uint32_t offset, uint8_t type_attr)
{
    return (uint64_t)(offset & 0xffff) |
           (uint64_t)KERNEL_CS << 16 |
           (uint64_t)type_attr << 40 |
           (uint64_t)(offset >> 16) << 48;
}

static void setup_cpu_tables(void)
{
    struct desc_ptr gdtr = { sizeof(gdt) - 1, (uint32_t)gdt };
    struct desc_ptr idtr = { sizeof(idt) - 1, (uint32_t)idt };
    int i;

    tss.ss0 = KERNEL_DS;
    tss.esp0 = (uint32_t)intr_stack + sizeof(intr_stack);
    tss.iomap_base = sizeof(tss);       /* no I/O bitmap, IOPL=3 suffices */

    gdt[0] = 0;
    gdt[1] = seg_desc(0, 0xfffff, 0x9a, 0xc);   /* 0x08 ring 0 code */
    gdt[2] = seg_desc(0, 0xfffff, 0x92, 0xc);   /* 0x10 ring 0 data */
    gdt[3] = seg_desc(0, 0xfffff, 0xfa, 0xc);   /* 0x18 ring 3 code */
    gdt[4] = seg_desc(0, 0xfffff, 0xf2, 0xc);   /* 0x20 ring 3 data */
    gdt[5] = seg_desc((uint32_t)&tss, sizeof(tss) - 1, 0x89, 0); /* TSS */
    load_gdt(&gdtr);

    for (i = 0; i < 32; i++) {
        idt[i] = gate_desc(fault_stubs[i], 0x8e);   /* DPL 0 int gate */
    }
    idt[HALT_VECTOR] = gate_desc((uint32_t)user_halt_entry, 0xee); /* DPL 3 */
    load_idt(&idtr);
}

/* Ring 3 part: the test loops. */

static uint8_t *region_page(uint32_t i)
{
    return (uint8_t *)(base_mb * MIB + i * MIGTEST_PAGE_SIZE);
}

static uint32_t region_pages(void)
{
    return region_mb * (MIB / MIGTEST_PAGE_SIZE);
}

static void fill_region(void)
{
    uint32_t i, n = region_pages();

    for (i = 0; i < n; i++) {
        migtest_prng_fill_page(region_page(i), seed, i);
    }
    serial_puts("FILLED\n");
}

/* Dirty mode expects zeroes; RAM normally is, write only if it is not. */
static void clear_region(void)
{
    uint32_t i, j, n = region_pages();

    for (i = 0; i < n; i++) {
        uint32_t *p = (uint32_t *)region_page(i);

        for (j = 0; j < MIGTEST_PAGE_SIZE / 4; j++) {
            if (p[j]) {
                break;
            }
        }
        for (; j < MIGTEST_PAGE_SIZE / 4; j++) {
            p[j] = 0;
        }
    }
}

static void __attribute__((noreturn)) dirty_loop(void)
{
    uint32_t i, n = region_pages();

    for (;;) {
        for (i = 0; i < n; i++) {
            volatile uint8_t *counter = region_page(i);

            (*counter)++;
        }
        serial_putc('.');
    }
}

static void __attribute__((noreturn)) user_main(void)
{
    switch (mode) {
    case MODE_DIRTY:
        clear_region();
        dirty_loop();
    case MODE_FILL_THEN_DIRTY:
        fill_region();
        dirty_loop();
    default:
        fill_region();
        /* back to ring 0 through the DPL-3 gate, which halts */
        asm volatile("int %0" : : "i"(HALT_VECTOR));
        for (;;) {
            asm volatile("pause");
        }
    }
}

/* Ring 0 entry point, called from boot.S. */
void kmain(uint32_t magic, const struct multiboot_info *mbi)
{
    uint32_t ram_mb, min_base;

    serial_init();
    serial_puts("MIGTEST BOOT\n");
    setup_cpu_tables();

    if (magic != MB_BOOT_MAGIC) {
        fatal("not booted by a Multiboot loader");
    }
    if (mbi->flags & MB_INFO_CMDLINE) {
        parse_cmdline((const char *)mbi->cmdline);
    }
    if (!(mbi->flags & MB_INFO_MEMORY)) {
        fatal("no memory size from the loader");
    }
    /* mem_upper is the KiB of RAM from 1 MiB up to the first hole. */
    ram_mb = 1 + mbi->mem_upper / 1024;
    min_base = ((uint32_t)_end + MIB - 1) / MIB;

    serial_puts("MIGTEST mode=");
    serial_puts(mode_names[mode]);
    serial_puts(" base=");
    serial_putu64(base_mb);
    serial_puts(" mb=");
    serial_putu64(region_mb);
    serial_puts(" seed=");
    serial_putu64(seed);
    serial_puts(" ram=");
    serial_putu64(ram_mb);
    serial_putc('\n');

    if (mode == MODE_IDLE) {
        serial_puts("IDLE\n");
        halt_forever();
    }
    if (region_mb == 0 || base_mb < min_base ||
        base_mb + region_mb > ram_mb || base_mb + region_mb > 4096) {
        fatal("region does not fit");
    }
    enter_user(user_main, (uint32_t)user_stack + sizeof(user_stack));
}
