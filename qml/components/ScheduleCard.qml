pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// A visit item in full: when (in the venue's time zone), where, who, and the escort's notes.
Item {
    id: root

    required property int index
    required property string visit
    required property string title
    required property string dayText
    required property string timeText
    required property string timeZone
    required property string venue
    required property string address
    required property bool hasPosition
    required property real latitude
    required property real longitude
    required property list<string> participants
    required property string escortNotes
    required property string status
    required property string statusLabel

    width: ListView.view ? ListView.view.width : 400
    height: ListView.view ? ListView.view.height : 800

    Flickable {
        anchors.fill: parent
        contentHeight: column.implicitHeight + 2 * Theme.margin
        clip: true

        ColumnLayout {
            id: column
            width: Math.min(parent.width - 2 * Theme.margin, 640)
            x: (parent.width - width) / 2
            y: Theme.margin
            spacing: Theme.margin

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 6
                    StatusChip {
                        text: root.statusLabel
                        tint: Theme.scheduleStatusColor(root.status)
                        filled: true
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.title
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeHeadline
                        font.weight: Font.DemiBold
                        font.strikeout: root.status === "cancelled"
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.visit.length > 0
                        text: root.visit
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                }
            }

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                topPadding: 4
                background: Rectangle { color: Theme.surface; radius: Theme.radius }

                ColumnLayout {
                    width: parent.width
                    spacing: 0
                    SectionLabel { text: qsTr("When (local time at the venue)") }
                    Label {
                        Layout.fillWidth: true
                        text: root.dayText
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeBody + 1
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        text: root.timeText + (root.timeZone.length > 0 ? " · " + root.timeZone : "")
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeBody + 1
                        font.weight: Font.DemiBold
                    }
                    SectionLabel {
                        visible: root.venue.length > 0 || root.address.length > 0
                        text: qsTr("Where")
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.venue.length > 0
                        text: root.venue
                        wrapMode: Text.WordWrap
                        font.weight: Font.DemiBold
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.address.length > 0 || root.hasPosition
                        text: root.address + (root.hasPosition
                              ? "\n" + root.latitude.toFixed(5) + ", " + root.longitude.toFixed(5) : "")
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                    SectionLabel {
                        visible: root.participants.length > 0
                        text: qsTr("Participants")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.participants.length > 0
                        text: root.participants.join("\n")
                        wrapMode: Text.WordWrap
                    }
                    SectionLabel {
                        visible: root.escortNotes.length > 0
                        text: qsTr("Escort notes")
                    }
                    Label {
                        Layout.fillWidth: true
                        Layout.bottomMargin: 8
                        visible: root.escortNotes.length > 0
                        text: root.escortNotes
                        wrapMode: Text.WordWrap
                        textFormat: Text.PlainText
                    }
                }
            }
        }
    }
}
