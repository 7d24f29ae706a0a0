import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// One visit item: local time at the venue (with its zone) and, where it differs, home time in
// grey under the title, title, venue, status. The next item is
// marked, past ones are dimmed, cancelled ones struck through.
ItemDelegate {
    id: root

    required property int index
    required property string title
    required property string timeText
    required property string homeTimeText
    required property string venue
    required property string status
    required property string statusLabel
    required property bool past
    required property bool next

    signal opened(int row)

    width: ListView.view ? ListView.view.width : implicitWidth
    implicitHeight: row.implicitHeight + 24
    opacity: root.past ? 0.6 : 1.0
    onClicked: root.opened(root.index)

    background: Rectangle {
        color: root.next ? Qt.rgba(Theme.accent.r, Theme.accent.g, Theme.accent.b, 0.08)
                         : root.pressed ? Theme.background : Theme.surface
        Rectangle {
            anchors { left: parent.left; top: parent.top; bottom: parent.bottom }
            width: 4
            visible: root.next
            color: Theme.accent
        }
    }

    contentItem: RowLayout {
        id: row
        spacing: 12
        Label {
            Layout.preferredWidth: 104
            Layout.alignment: Qt.AlignTop
            text: root.timeText
            wrapMode: Text.WordWrap
            font.pixelSize: Theme.fontSizeSmall
            font.weight: Font.DemiBold
            color: Theme.textPrimary
        }
        ColumnLayout {
            Layout.fillWidth: true
            spacing: 3
            Label {
                Layout.fillWidth: true
                text: root.title
                wrapMode: Text.WordWrap
                font.pixelSize: Theme.fontSizeBody
                font.weight: Font.DemiBold
                font.strikeout: root.status === "cancelled"
            }
            Label {
                Layout.fillWidth: true
                visible: root.homeTimeText.length > 0
                text: root.homeTimeText
                wrapMode: Text.WordWrap
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
            }
            Label {
                Layout.fillWidth: true
                visible: root.venue.length > 0
                text: root.venue
                elide: Text.ElideRight
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
            }
            RowLayout {
                spacing: 6
                StatusChip {
                    text: root.statusLabel
                    tint: Theme.scheduleStatusColor(root.status)
                    filled: root.status !== "confirmed"
                }
                Label {
                    visible: root.next
                    text: qsTr("Next")
                    color: Theme.accent
                    font.pixelSize: Theme.fontSizeSmall
                    font.weight: Font.DemiBold
                }
            }
        }
    }

    Rectangle {
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: 1
        color: Theme.divider
    }
}
