import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// One case summary in the list: channel, reference, title, status, priority, last update.
ItemDelegate {
    id: root

    required property int index
    required property string reference
    required property string channel
    required property string channelLabel
    required property string title
    required property string status
    required property string statusLabel
    required property int priority
    required property string priorityLabel
    required property string updatedText

    signal opened(int row)

    width: ListView.view ? ListView.view.width : implicitWidth
    implicitHeight: column.implicitHeight + 24
    leftPadding: Theme.margin + 6
    onClicked: root.opened(root.index)

    Rectangle {
        anchors { left: parent.left; top: parent.top; bottom: parent.bottom; margins: 8 }
        width: 4
        radius: 2
        color: Theme.channelColor(root.channel)
    }

    contentItem: ColumnLayout {
        id: column
        spacing: 4
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            StatusChip {
                text: root.channelLabel
                tint: Theme.channelColor(root.channel)
                filled: true
            }
            Label {
                Layout.fillWidth: true
                text: root.reference
                elide: Text.ElideRight
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
                font.family: "DejaVu Sans Mono"
            }
            StatusChip {
                visible: root.priority >= 4
                text: root.priorityLabel
                tint: Theme.priorityColor(root.priority)
            }
        }
        Label {
            Layout.fillWidth: true
            text: root.title
            wrapMode: Text.WordWrap
            maximumLineCount: 2
            elide: Text.ElideRight
            font.pixelSize: Theme.fontSizeBody + 1
            font.weight: Font.DemiBold
            color: root.status === "closed" ? Theme.textSecondary : Theme.textPrimary
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            StatusChip {
                text: root.statusLabel
                tint: Theme.caseStatusColor(root.status)
            }
            Label {
                Layout.fillWidth: true
                text: root.updatedText
                elide: Text.ElideRight
                color: Theme.textSecondary
                font.pixelSize: Theme.fontSizeSmall
            }
        }
    }

    Rectangle {
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom }
        height: 1
        color: Theme.divider
    }
}
