// Package nvxtest holds test helpers shared by the kernel packages: buffers
// flush against PROT_NONE guard pages, and the dispatch assertion that the
// qemu matrix of `make test` drives through NVX_TEST_REQUIRE.
package nvxtest
