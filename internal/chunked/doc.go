// Package chunked is a growable array kept in fixed-size chunks, for the
// tables that hold one entry per connection (keepalive heaps, a server's
// open connections). A slice that grows by append copies itself at each
// doubling and leaves the old array behind: while tens of thousands of
// connections open, that garbage is as large as the table, and the free
// pages it leaves stay with the process (under the GC's heap goal nothing
// returns them). A chunked array copies nothing when it grows, wastes at
// most two chunks, and gives a chunk back when the array shrinks past it.
package chunked
