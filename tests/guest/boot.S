/*
 * boot.S - low-level part of the migration test guest (migtest-guest.c).
 *
 * Contains the Multiboot v1 header, the entry point, helpers to load the
 * GDT/TSS and to drop to ring 3 with iret, the fault stubs and the ring-3
 * "halt" gate.  The test loops run in ring 3 because on shadow-paging KVM
 * hosts without VMX, CPL 0 code goes through the instruction emulator and
 * is ~1000x slower than user mode code, which runs natively.
 */

#define MB_MAGIC    0x1BADB002
#define MB_FLAGS    0x00000003      /* page-align modules, want mem info */

#define KERNEL_CS   0x08
#define KERNEL_DS   0x10
#define USER_CS     0x1b            /* GDT entry 3, RPL 3 */
#define USER_DS     0x23            /* GDT entry 4, RPL 3 */
#define TSS_SEL     0x28

#define USER_EFLAGS 0x3002          /* IOPL=3, IF=0, reserved bit 1 */

    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)

    .text
    .code32

/* Entry from the Multiboot loader: eax = magic, ebx = info pointer. */
    .globl _start
_start:
    cli
    cld
    movl $boot_stack_top, %esp
    pushl $0                        /* clear EFLAGS (IF, DF, IOPL, ...) */
    popfl
    pushl %ebx
    pushl %eax
    call kmain
    .globl halt_forever
halt_forever:
    cli
    hlt
    jmp halt_forever

/* void load_gdt(const void *gdtr): lgdt, reload all segment registers. */
    .globl load_gdt
load_gdt:
    movl 4(%esp), %eax
    lgdt (%eax)
    ljmp $KERNEL_CS, $1f
1:
    movw $KERNEL_DS, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    movw %ax, %ss
    movw $TSS_SEL, %ax
    ltr %ax
    ret

/* void load_idt(const void *idtr) */
    .globl load_idt
load_idt:
    movl 4(%esp), %eax
    lidt (%eax)
    ret

/*
 * void enter_user(void (*fn)(void), uint32_t stack_top):
 * iret to fn in ring 3, on its own stack, with IOPL=3 so that it can
 * access the serial port, and IF=0.  Does not return.
 */
    .globl enter_user
enter_user:
    movl 4(%esp), %ecx
    movl 8(%esp), %edx
    movw $USER_DS, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %fs
    movw %ax, %gs
    pushl $USER_DS                  /* ss */
    pushl %edx                      /* esp */
    pushl $USER_EFLAGS              /* eflags */
    pushl $USER_CS                  /* cs */
    pushl %ecx                      /* eip */
    iret

/*
 * Target of the DPL-3 interrupt gate used by ring 3 to stop for good:
 * the CPU has switched to the TSS ss0:esp0 stack, we just halt.
 */
    .globl user_halt_entry
user_halt_entry:
    jmp halt_forever

/* Fault stubs for vectors 0..31: push the vector, call fault_handler. */
    .irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
              16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
fault_stub_\vec:
    pushl $\vec
    jmp fault_common
    .endr

fault_common:
    movw $KERNEL_DS, %ax
    movw %ax, %ds
    movw %ax, %es
    call fault_handler              /* argument: the pushed vector */
    jmp halt_forever

    .section .rodata
    .align 4
    .globl fault_stubs
fault_stubs:
    .irp vec, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
              16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    .long fault_stub_\vec
    .endr

    .section .bss
    .align 16
boot_stack:
    .skip 16384
boot_stack_top:

    .section .note.GNU-stack, "", @progbits
