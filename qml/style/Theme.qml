pragma Singleton
import QtQuick

// Colours, sizes and type of the app. Sober and legible in daylight: dark navy header, white
// cards on a light grey ground, one accent colour, status colours that also carry a word.
QtObject {
    readonly property color primary: "#1b3a5c"
    readonly property color primaryDark: "#122a44"
    readonly property color accent: "#2f6db5"
    readonly property color background: "#eef1f5"
    readonly property color surface: "#ffffff"
    readonly property color divider: "#d5dbe3"
    readonly property color textPrimary: "#18212b"
    readonly property color textSecondary: "#56616e"
    readonly property color textOnPrimary: "#ffffff"
    readonly property color textOnPrimaryMuted: "#b9c8da"

    readonly property color ok: "#2e7d32"
    readonly property color warning: "#b26a00"
    readonly property color danger: "#b3261e"
    readonly property color info: "#2f6db5"
    readonly property color muted: "#6b7683"
    readonly property color warningBackground: "#fff4e0"
    readonly property color dangerBackground: "#fdecea"

    // Channels of international police cooperation.
    readonly property color interpol: "#1f4e8c"
    readonly property color europol: "#5b3c8f"
    readonly property color sirene: "#0f6e6e"
    readonly property color bilateral: "#6d5a3a"

    readonly property int touchTarget: 48
    readonly property int spacing: 8
    readonly property int margin: 16
    readonly property int radius: 8

    readonly property string fontFamily: "Roboto"
    readonly property int fontSizeSmall: 13
    readonly property int fontSizeBody: 15
    readonly property int fontSizeTitle: 18
    readonly property int fontSizeHeadline: 22

    // The tablet layout (list beside the detail) starts at this window width.
    readonly property int wideWidth: 840

    function channelColor(channel: string): color {
        switch (channel) {
        case "interpol": return interpol
        case "europol": return europol
        case "sirene": return sirene
        default: return bilateral
        }
    }
    function scheduleStatusColor(status: string): color {
        switch (status) {
        case "confirmed": return ok
        case "changed": return warning
        case "cancelled": return danger
        default: return muted
        }
    }
    function caseStatusColor(status: string): color {
        switch (status) {
        case "active": return accent
        case "open": return ok
        case "pending": return warning
        default: return muted
        }
    }
    function priorityColor(priority: int): color {
        return priority >= 5 ? danger : priority >= 4 ? warning : muted
    }
}
