/// Line-based diffs and three-way merges of texts, for co-written wiki pages.
enum TextMerge {
    /// A change to a range of the base's lines: lines `start..<end` become `lines`.
    struct Hunk: Equatable {
        let start: Int
        let end: Int
        let lines: [String]
    }

    /// A line of a diff: kept (" "), removed ("-") or added ("+").
    struct DiffLine: Codable, Equatable, Sendable {
        let op: String
        let text: String
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The hunks that turn `base` into `other`, in base order.
    static func hunks(from base: [String], to other: [String]) -> [Hunk] {
        let difference = other.difference(from: base)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var hunks: [Hunk] = []
        var i = 0, j = 0
        while i < base.count || j < other.count {
            if i < base.count, j < other.count, !removed.contains(i), !inserted.contains(j) {
                i += 1
                j += 1
                continue
            }
            let start = i
            var replacement: [String] = []
            while (i < base.count && removed.contains(i)) || (j < other.count && inserted.contains(j)) {
                if i < base.count && removed.contains(i) { i += 1 }
                if j < other.count && inserted.contains(j) {
                    replacement.append(other[j])
                    j += 1
                }
            }
            hunks.append(Hunk(start: start, end: i, lines: replacement))
        }
        return hunks
    }

    /// A unified line diff from `old` to `new`.
    static func diff(from old: String, to new: String) -> [DiffLine] {
        let base = lines(old), other = lines(new)
        var result: [DiffLine] = []
        var position = 0
        for hunk in hunks(from: base, to: other) {
            result += base[position..<hunk.start].map { DiffLine(op: " ", text: $0) }
            result += base[hunk.start..<hunk.end].map { DiffLine(op: "-", text: $0) }
            result += hunk.lines.map { DiffLine(op: "+", text: $0) }
            position = hunk.end
        }
        result += base[position...].map { DiffLine(op: " ", text: $0) }
        return result
    }

    /// Merges two edits of the same base. Changes that touch different lines
    /// are combined; changes to the same or adjacent lines conflict (`nil`),
    /// unless both made the same change.
    static func merge(base: String, ours: String, theirs: String) -> String? {
        let baseLines = lines(base)
        let left = hunks(from: baseLines, to: lines(ours))
        let right = hunks(from: baseLines, to: lines(theirs))
        var merged: [String] = []
        var position = 0
        var l = 0, r = 0
        func apply(_ hunk: Hunk) {
            merged += baseLines[position..<hunk.start]
            merged += hunk.lines
            position = hunk.end
        }
        while l < left.count || r < right.count {
            if l < left.count, r < right.count {
                let a = left[l], b = right[r]
                let touching = a.start <= b.end && b.start <= a.end
                if touching {
                    guard a == b else { return nil }
                    apply(a)
                    l += 1
                    r += 1
                } else if a.start < b.start {
                    apply(a)
                    l += 1
                } else {
                    apply(b)
                    r += 1
                }
            } else if l < left.count {
                apply(left[l])
                l += 1
            } else {
                apply(right[r])
                r += 1
            }
        }
        merged += baseLines[position...]
        return merged.joined(separator: "\n")
    }
}
