#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the selftests from our working copy (upstream tests plus the
# project's own) with the cross compiler. The same binaries run on both
# kernels, so stock and ours are judged by identical tests.
. "$(dirname "$0")/lib.sh"

src=$BUILD/ours/src
hdrs=$(DEBUG='' obj_dir ours)/usr/include
out=$BUILD/tests
[ -d "$hdrs" ] || die "no kernel headers at $hdrs (run: make image)"
selftests_make "$src" "$hdrs" "$out"

# The list of test programs each suite declares, for the guest runner.
list_progs() {
	make -s -C "$src/tools/testing/selftests/$1" ARCH=arm64 \
		CROSS_COMPILE=$CROSS OUTPUT=/nonexistent abs_objdir="$out/gen" \
		-f Makefile -f - print-progs <<'MK'
print-progs:
	@for p in $(TEST_GEN_PROGS); do echo $${p#/nonexistent/}; done
MK
}
{
	list_progs kvm | sed 's|^|kvm |'
	list_progs arm64/fp | sed 's|^|fp |'
	list_progs arm64/signal | sed 's|^|signal |'
} >"$out/programs"
echo "tests: $(wc -l <"$out/programs") programs"
