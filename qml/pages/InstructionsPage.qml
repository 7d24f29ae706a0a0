pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import Liaison

// Mission instructions; those awaiting acknowledgement come first.
Page {
    id: root

    required property InstructionModel instructions

    signal opened(int row)

    objectName: "instructionsPage"
    background: Rectangle { color: Theme.surface }

    header: Pane {
        visible: root.instructions.awaitingCount > 0
        padding: 12
        background: Rectangle { color: Theme.warningBackground }
        Label {
            width: parent.width
            wrapMode: Text.WordWrap
            text: root.instructions.awaitingCount === 1
                  ? qsTr("1 instruction awaits your acknowledgement.")
                  : qsTr("%1 instructions await your acknowledgement.").arg(root.instructions.awaitingCount)
            font.weight: Font.DemiBold
        }
    }

    ListView {
        id: list
        anchors.fill: parent
        clip: true
        model: root.instructions
        delegate: InstructionDelegate {
            onOpened: row => root.opened(row)
        }
        ScrollIndicator.vertical: ScrollIndicator {}
    }

    Label {
        anchors.centerIn: parent
        visible: list.count === 0
        color: Theme.textSecondary
        text: qsTr("No instructions on this device.")
    }
}
