extension RangeReplaceableCollection where Self: MutableCollection, Index == Int {
    /// Stores `element` in a place from `freePlaces` if it has one, else at the end, and
    /// returns its place: the places of values let go are reused, so that the collection
    /// follows the values held at once, not all there ever were.
    mutating func store(_ element: Element, reusing freePlaces: inout [Int]) -> Int {
        if let place = freePlaces.popLast() {
            self[place] = element
            return place
        }
        append(element)
        return endIndex &- 1
    }
}
