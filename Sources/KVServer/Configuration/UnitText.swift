/// A number followed by an optional unit (`500ms`, `2gb`): the command line's durations and
/// sizes.
enum UnitText {
    /// `text` split into its number and the scale of its unit — the first of `units` it ends
    /// with — or `one` when it has none.
    static func split<Scale>(_ text: String, units: [(suffix: String, scale: Scale)], one: Scale) -> (number: Substring, scale: Scale) {
        for unit in units where text.hasSuffix(unit.suffix) {
            return (text.dropLast(unit.suffix.count), unit.scale)
        }
        return (Substring(text), one)
    }
}
