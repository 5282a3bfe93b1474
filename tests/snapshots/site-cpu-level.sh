#!/bin/sh
# Written by wheelhouse site init: this node's CPU level (RSNT_ARCH).
level=$(awk -v v3='avx avx2 bmi1 bmi2 f16c fma abm movbe xsave' -v v4='avx512f avx512bw avx512cd avx512dq avx512vl' '/^flags/ { for (i = 1; i <= NF; i++) have[$i] = 1; n = split(v3, a, " "); ok3 = 1; for (j = 1; j <= n; j++) if (a[j] in have) {} else ok3 = 0; m = split(v4, b, " "); ok4 = ok3; for (j = 1; j <= m; j++) if (b[j] in have) {} else ok4 = 0; print (ok4 ? "x86-64-v4" : (ok3 ? "x86-64-v3" : "generic")); exit }' "${1:-/proc/cpuinfo}" 2>/dev/null)
echo "${level:-generic}"
