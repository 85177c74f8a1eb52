extension Duration {
    /// The duration in seconds, as reports and comparisons use it.
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
