import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// One mission instruction in the list; those awaiting acknowledgement are marked.
ItemDelegate {
    id: root

    required property int index
    required property string title
    required property string issuedText
    required property string validityText
    required property int priority
    required property string priorityLabel
    required property bool requiresAck
    required property bool acknowledged
    required property bool awaiting
    required property bool expired

    signal opened(int row)

    width: ListView.view ? ListView.view.width : implicitWidth
    implicitHeight: column.implicitHeight + 24
    leftPadding: Theme.margin + 6
    onClicked: root.opened(root.index)

    Rectangle {
        anchors { left: parent.left; top: parent.top; bottom: parent.bottom; margins: 8 }
        width: 4
        radius: 2
        visible: root.awaiting
        color: Theme.warning
    }

    contentItem: ColumnLayout {
        id: column
        spacing: 4
        Label {
            Layout.fillWidth: true
            text: root.title
            wrapMode: Text.WordWrap
            maximumLineCount: 2
            elide: Text.ElideRight
            font.pixelSize: Theme.fontSizeBody + 1
            font.weight: Font.DemiBold
            color: root.expired ? Theme.textSecondary : Theme.textPrimary
        }
        Label {
            Layout.fillWidth: true
            text: root.issuedText
            elide: Text.ElideRight
            color: Theme.textSecondary
            font.pixelSize: Theme.fontSizeSmall
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 6
            StatusChip {
                visible: root.awaiting
                text: qsTr("Acknowledge")
                tint: Theme.warning
                filled: true
            }
            StatusChip {
                visible: root.requiresAck && root.acknowledged
                text: qsTr("Acknowledged")
                tint: Theme.ok
            }
            StatusChip {
                visible: root.priority >= 4 && !root.expired
                text: root.priorityLabel
                tint: Theme.priorityColor(root.priority)
            }
            Label {
                Layout.fillWidth: true
                text: root.validityText
                elide: Text.ElideRight
                color: root.expired ? Theme.muted : Theme.textSecondary
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
