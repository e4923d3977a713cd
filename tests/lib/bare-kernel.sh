# SPDX-License-Identifier: GPL-2.0
# Sourced by the native tests in tests/: a bare program that QEMU virt
# boots as the kernel, to play a console log to the pipeline.

# bare_kernel OUT TEXT [TIMES [END [LABEL]]]: build OUT (an ELF at the
# kernel's load address) that prints the file TEXT TIMES times (default 1)
# on the PL011, then powers the machine off (END "off", PSCI SYSTEM_OFF,
# the default) or spins (END "spin") at the global symbol LABEL (default
# spin_here). With END "spin" the spin is at 0x40080024 whatever TIMES is.
bare_kernel() {
	local out=$1 text=$2 times=${3:-1} end=${4:-off} label=${5:-spin_here} off=
	[ "$end" = spin ] || off='	ldr	x0, =0x84000008		/* PSCI SYSTEM_OFF */
	smc	#0
	hvc	#0'
	cat >"$out.S" <<S
	.global _start
_start:
	ldr	x1, =0x09000000		/* PL011 data register of QEMU virt */
	mov	x3, #$times
1:	adr	x2, msg
2:	ldrb	w0, [x2], #1
	cbz	w0, 3f
	strb	w0, [x1]
	b	2b
3:	subs	x3, x3, #1
	b.ne	1b
$off
	.global $label
$label:
	b	$label
msg:	.incbin	"$text"
	.byte	0
S
	"${CROSS:-aarch64-linux-gnu-}gcc" -nostdlib -static -Wl,-Ttext=0x40080000 \
		-o "$out" "$out.S"
}
