# SPDX-License-Identifier: GPL-2.0
"""A kernel's System.map as text symbols sorted by address, for the
scripts that name program counters (profile.py, watchdog.py)."""


def symbols(system_map):
    """(addresses, names) of the text and weak symbols, by address."""
    addrs, names = [], []
    with open(system_map) as f:
        for line in f:
            a, t, n = line.split()[:3]
            if t in "tTwW":
                addrs.append(int(a, 16))
                names.append(n)
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]
