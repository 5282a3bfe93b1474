# Written by wheelhouse. pip asks this module whether manylinux wheels run here (PEP 513,
# 571, 599, 600). They do not count as compatible on this site: its wheelhouse holds builds
# made against the cluster's own libraries, so pip installs those instead.
manylinux1_compatible = False
manylinux2010_compatible = False
manylinux2014_compatible = False


def manylinux_compatible(tag_major, tag_minor, tag_arch):
    return False
