// The shims are declarations only; this file gives the target something to compile.
