#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Charts drawn as inline SVG (no script, nothing fetched), built with `HTML`
/// so every label is escaped like the rest of the page.
enum ReportCharts {
    static func colour(_ state: CaseState) -> String {
        switch state {
        case .claimed: return "#d3921a"
        case .disputed: return "#c4453c"
        case .evidencePending: return "#3a78c2"
        case .assessed: return "#2f8f5b"
        }
    }

    static let openedColour = "#7b8aa5"
    static let assessedColour = "#2f8f5b"

    struct Bar {
        var label: String
        var value: Double
        var valueText: String
        var colour: String
    }

    private static func n(_ value: Double) -> String { NumberText.fixed(value, places: 1) }

    private static func svg(width: Int, height: Int, title: String, _ children: [HTML]) -> HTML {
        HTML.element(
            "svg",
            ["viewBox": "0 0 \(width) \(height)", "width": "100%", "role": "img", "aria-label": title,
             "preserveAspectRatio": "xMinYMin meet", "class": "chart"],
            [HTML.element("title", text: title)] + children)
    }

    private static func label(_ text: String, x: Double, y: Double, anchor: String = "start", cls: String = "lbl") -> HTML {
        HTML.element("text", ["x": n(x), "y": n(y), "text-anchor": anchor, "class": cls], text: text)
    }

    private static func rect(x: Double, y: Double, width: Double, height: Double, fill: String, rx: Double = 3) -> HTML {
        HTML.element(
            "rect", ["x": n(x), "y": n(y), "width": n(max(width, 0)), "height": n(max(height, 0)), "rx": n(rx), "fill": fill])
    }

    /// One horizontal bar per item, with its value written after the bar.
    static func horizontalBars(_ bars: [Bar], title: String, width: Int = 520) -> HTML {
        let rowHeight = 30.0, labelWidth = 132.0, valueWidth = 92.0
        let height = Int(Double(bars.count) * rowHeight + 8)
        let plot = Double(width) - labelWidth - valueWidth
        let top = max(bars.map(\.value).max() ?? 0, 1)
        var parts: [HTML] = []
        for (index, bar) in bars.enumerated() {
            let y = Double(index) * rowHeight + 4
            let length = bar.value <= 0 ? 0 : max(plot * bar.value / top, 2)
            parts.append(rect(x: labelWidth, y: y, width: plot, height: 20, fill: "#eef0f4"))
            parts.append(rect(x: labelWidth, y: y, width: length, height: 20, fill: bar.colour))
            parts.append(label(bar.label, x: labelWidth - 10, y: y + 15, anchor: "end"))
            parts.append(label(bar.valueText, x: labelWidth + length + 8, y: y + 15, cls: "val"))
        }
        return svg(width: width, height: height, title: title, parts)
    }

    /// Cases opened and assessed per week, as paired columns over a light grid.
    static func weeklyFlow(_ weeks: [StatusReport.WeekFlow], title: String) -> HTML {
        let width = 1000.0, height = 240.0, left = 40.0, right = 12.0, top = 28.0, bottom = 36.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let peak = max(weeks.map { max($0.opened, $0.assessed) }.max() ?? 0, 1)
        let step = Double(max(1, Int((Double(peak) / 4).rounded(.up))))
        let ceiling = step * (Double(peak) / step).rounded(.up)
        var parts: [HTML] = []
        var tick = 0.0
        while tick <= ceiling {
            let y = top + plotHeight - plotHeight * tick / ceiling
            parts.append(HTML.element("line", ["x1": n(left), "x2": n(width - right), "y1": n(y), "y2": n(y), "class": "grid"]))
            parts.append(label(String(Int(tick)), x: left - 8, y: y + 4, anchor: "end", cls: "axis"))
            tick += step
        }
        let slot = plotWidth / Double(max(weeks.count, 1))
        let barWidth = min(22, slot * 0.34)
        // Label every week when they fit, otherwise every few.
        let labelEvery = max(1, Int((54 / slot).rounded(.up)))
        for (index, week) in weeks.enumerated() {
            let centre = left + slot * (Double(index) + 0.5)
            for (offset, value, fill) in [(-1.0, week.opened, openedColour), (0.0, week.assessed, assessedColour)] {
                let h = plotHeight * Double(value) / ceiling
                parts.append(
                    rect(x: centre + offset * (barWidth + 2) + (offset == 0 ? 1 : 0), y: top + plotHeight - h,
                         width: barWidth, height: h, fill: fill, rx: 2))
                if value > 0 {
                    parts.append(
                        label(String(value), x: centre + offset * (barWidth + 2) + barWidth / 2 + (offset == 0 ? 1 : 0),
                              y: top + plotHeight - h - 4, anchor: "middle", cls: "val small"))
                }
            }
            if index % labelEvery == 0 {
                let text = String(week.weekStart.description.dropFirst(5))
                parts.append(label(text, x: centre, y: height - bottom + 18, anchor: "middle", cls: "axis"))
            }
        }
        parts.append(rect(x: width - right - 190, y: 4, width: 12, height: 12, fill: openedColour, rx: 2))
        parts.append(label("opened", x: width - right - 172, y: 14, cls: "axis"))
        parts.append(rect(x: width - right - 100, y: 4, width: 12, height: 12, fill: assessedColour, rx: 2))
        parts.append(label("assessed", x: width - right - 82, y: 14, cls: "axis"))
        return svg(width: Int(width), height: Int(height), title: title, parts)
    }

    /// Time in each open state: the maximum (lightest), 90th percentile and median (darkest), overlaid.
    static func aging(_ aging: [StatusReport.StateAging], title: String, width: Int = 520) -> HTML {
        let rowHeight = 34.0, labelWidth = 132.0, valueWidth = 120.0
        let plot = Double(width) - labelWidth - valueWidth
        let top = max(aging.compactMap(\.maxDays).max() ?? 0, 0.01)
        var parts: [HTML] = []
        for (index, row) in aging.enumerated() {
            let y = Double(index) * rowHeight + 4
            let base = colour(row.state)
            parts.append(rect(x: labelWidth, y: y, width: plot, height: 22, fill: "#eef0f4"))
            for (value, opacity) in [(row.maxDays, "33"), (row.p90Days, "77"), (row.medianDays, "")] {
                guard let value else { continue }
                parts.append(rect(x: labelWidth, y: y, width: max(plot * value / top, 2), height: 22, fill: base + opacity))
            }
            parts.append(label(row.state.rawValue, x: labelWidth - 10, y: y + 16, anchor: "end"))
            let text = row.count == 0 ? "no cases" : "median \(ReportFormatting.days(row.medianDays)) d"
            parts.append(label(text, x: labelWidth + plot + 8, y: y + 16, cls: "val"))
        }
        return svg(width: width, height: Int(Double(aging.count) * rowHeight + 8), title: title, parts)
    }
}
