pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Liaison

// A mission instruction in full, with the acknowledgement the officer gives after reading it.
Item {
    id: root

    required property InstructionController actions
    required property int index
    required property string recordId
    required property string title
    required property string body
    required property string issuedText
    required property string validityText
    required property int priority
    required property string priorityLabel
    required property int version
    required property bool requiresAck
    required property bool acknowledged
    required property string acknowledgedText
    required property bool awaiting
    required property bool expired

    // For tests and the screenshot tour.
    readonly property Item acknowledgeButton: ackButton

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
                    spacing: 8
                    RowLayout {
                        spacing: 6
                        StatusChip {
                            text: qsTr("Priority: %1").arg(root.priorityLabel)
                            tint: Theme.priorityColor(root.priority)
                        }
                        StatusChip {
                            text: qsTr("Version %1").arg(root.version)
                            tint: Theme.muted
                        }
                        StatusChip {
                            visible: root.expired
                            text: qsTr("Expired")
                            tint: Theme.muted
                        }
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.title
                        wrapMode: Text.WordWrap
                        font.pixelSize: Theme.fontSizeHeadline
                        font.weight: Font.DemiBold
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.issuedText
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                        font.pixelSize: Theme.fontSizeSmall
                    }
                    Label {
                        Layout.fillWidth: true
                        text: root.validityText
                        wrapMode: Text.WordWrap
                        color: root.expired ? Theme.danger : Theme.textSecondary
                        font.pixelSize: Theme.fontSizeSmall
                    }
                }
            }

            Pane {
                Layout.fillWidth: true
                padding: Theme.margin
                background: Rectangle { color: Theme.surface; radius: Theme.radius }
                Label {
                    width: parent.width
                    text: root.body
                    wrapMode: Text.WordWrap
                    textFormat: Text.PlainText
                    lineHeight: 1.2
                }
            }

            Pane {
                Layout.fillWidth: true
                visible: root.requiresAck
                padding: Theme.margin
                background: Rectangle {
                    color: root.acknowledged ? Theme.surface : Theme.warningBackground
                    radius: Theme.radius
                    border.width: root.awaiting ? 1 : 0
                    border.color: Theme.warning
                }

                ColumnLayout {
                    width: parent.width
                    spacing: 8
                    Label {
                        Layout.fillWidth: true
                        wrapMode: Text.WordWrap
                        text: root.acknowledged
                              ? qsTr("You %1. HQ receives the acknowledgement with the next sync.").arg(root.acknowledgedText)
                              : root.expired
                                ? qsTr("This instruction expired before you acknowledged it.")
                                : qsTr("HQ asks you to confirm that you have read this instruction.")
                        color: root.acknowledged ? Theme.ok : Theme.textPrimary
                    }
                    Button {
                        id: ackButton
                        objectName: "acknowledgeButton"
                        Layout.fillWidth: true
                        Layout.preferredHeight: Theme.touchTarget + 4
                        visible: root.awaiting
                        highlighted: true
                        text: qsTr("I have read this instruction")
                        onClicked: root.actions.acknowledge(root.recordId)
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.actions.error.length > 0
                        wrapMode: Text.WordWrap
                        color: Theme.danger
                        text: root.actions.error
                    }
                }
            }
        }
    }
}
