// Sequence-number comparison modulo 2^32 (RFC 9293 section 3.4, RFC 1982 arithmetic).
extension UInt32 {
    @inline(__always) func isAfter(_ other: UInt32) -> Bool { Int32(bitPattern: other &- self) < 0 }
    @inline(__always) func isBefore(_ other: UInt32) -> Bool { Int32(bitPattern: self &- other) < 0 }
    @inline(__always) func isAtOrBefore(_ other: UInt32) -> Bool { Int32(bitPattern: self &- other) <= 0 }
    @inline(__always) func isAtOrAfter(_ other: UInt32) -> Bool { Int32(bitPattern: self &- other) >= 0 }
}
