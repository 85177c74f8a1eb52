extension Int64 {
    /// `self - other`, clamped to `Int64.min...Int64.max` instead of trapping.
    ///
    /// Capture timestamps come from the file: a damaged or hostile one can put Int64.min
    /// next to Int64.max, and the difference of two such times must still be a number.
    @inlinable
    public func saturatingDifference(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        guard overflow else { return difference }
        return other > self ? .min : .max
    }
}
