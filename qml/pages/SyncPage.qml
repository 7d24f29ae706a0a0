pragma ComponentBehavior: Bound
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Liaison

// Sync with HQ: connection, pending changes, progress, last sync, last word from HQ, alarms.
Page {
    id: root

    required property SyncStatus sync
    required property int autoLockSeconds
    // Where the vault's key is kept (moved here from the lock screen: UX review 2.7).
    property string keyStoreText: ""

    objectName: "syncPage"
    background: Rectangle { color: Theme.background }

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
                background: Rectangle {
                    color: root.sync.noWordFromHq ? Theme.dangerBackground : Theme.surface
                    radius: Theme.radius
                    border.width: root.sync.noWordFromHq ? 1 : 0
                    border.color: Theme.danger
                }
                ColumnLayout {
                    width: parent.width
                    spacing: 6
                    RowLayout {
                        spacing: 10
                        Rectangle {
                            Layout.preferredWidth: 14
                            Layout.preferredHeight: 14
                            radius: 7
                            color: root.sync.syncing ? Theme.accent : root.sync.offline ? Theme.muted : Theme.ok
                        }
                        Label {
                            text: root.sync.syncing
                                  ? qsTr("Syncing %1 of %2").arg(root.sync.syncDone).arg(root.sync.syncTotal)
                                  : root.sync.offline ? qsTr("Offline")
                                  : root.sync.lastError.length > 0 ? qsTr("Cannot reach the relay")
                                  : root.sync.lastSyncedText !== qsTr("never") ? qsTr("Synced")
                                  : qsTr("Connecting")
                            font.pixelSize: Theme.fontSizeHeadline
                            font.weight: Font.DemiBold
                        }
                    }
                    ProgressBar {
                        Layout.fillWidth: true
                        visible: root.sync.syncing
                        from: 0
                        to: Math.max(1, root.sync.syncTotal)
                        value: root.sync.syncDone
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.sync.offline
                        text: root.sync.offlineReason
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: !root.sync.offline && root.sync.lastError.length > 0
                        text: qsTr("The last attempt failed (%1); it is retried by itself.")
                              .arg(root.sync.lastError)
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                    Label {
                        objectName: "bulkDeferredNotice"
                        Layout.fillWidth: true
                        visible: root.sync.bulkDeferred
                        text: qsTr("Bulk sync is deferred on this metered network: contacts and cases wait for an unmetered one. Urgent messages still go through.")
                              + (root.sync.pending > 0 ? " " + qsTr("Changes not sent yet: %1.").arg(root.sync.pending) : "")
                        wrapMode: Text.WordWrap
                        color: Theme.textSecondary
                    }
                    Button {
                        objectName: "syncNowButton"
                        visible: root.sync.enrolled
                        enabled: root.sync.canSyncNow && !root.sync.syncing
                        text: qsTr("Sync now")
                        onClicked: root.sync.syncNow()
                    }
                    Label {
                        Layout.fillWidth: true
                        visible: root.sync.noWordFromHq
                        // "since never" reads wrong: no verified word at all has its own sentence.
                        text: root.sync.lastHeartbeatText === qsTr("never")
                              ? qsTr("<b>No verified word from HQ yet.</b> Records on this device may be out of date.")
                              : qsTr("<b>No word from HQ since %1.</b> Records on this device may be out of date.")
                                .arg(root.sync.lastHeartbeatText)
                        textFormat: Text.StyledText
                        wrapMode: Text.WordWrap
                        color: Theme.danger
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
                    InfoRow {
                        Layout.fillWidth: true
                        label: qsTr("Changes waiting to be sent")
                        value: root.sync.pending === 0 ? qsTr("None") : String(root.sync.pending)
                    }
                    InfoRow {
                        Layout.fillWidth: true
                        label: qsTr("Last synced")
                        value: root.sync.lastSyncedText
                    }
                    InfoRow {
                        Layout.fillWidth: true
                        label: qsTr("Last verified word from HQ")
                        value: root.sync.lastHeartbeatText
                    }
                    InfoRow {
                        Layout.fillWidth: true
                        label: qsTr("Device")
                        value: root.sync.enrolled ? root.sync.deviceLabel : qsTr("Not enrolled")
                    }
                    InfoRow {
                        Layout.fillWidth: true
                        visible: root.sync.relayUrl.length > 0
                        label: qsTr("Relay")
                        value: root.sync.relayUrl
                    }
                    InfoRow {
                        Layout.fillWidth: true
                        label: qsTr("Auto-lock")
                        value: qsTr("after %1 s in the background").arg(root.autoLockSeconds)
                    }
                    InfoRow {
                        Layout.fillWidth: true
                        visible: root.keyStoreText.length > 0
                        label: qsTr("Key store")
                        value: root.keyStoreText
                    }
                }
            }

            Pane {
                Layout.fillWidth: true
                visible: root.sync.heldCount > 0
                padding: Theme.margin
                topPadding: 4
                background: Rectangle { color: Theme.surface; radius: Theme.radius }
                ColumnLayout {
                    width: parent.width
                    spacing: 4
                    SectionLabel { text: qsTr("Refused by HQ or not delivered") }
                    Repeater {
                        model: root.sync.held
                        delegate: Label {
                            required property var modelData
                            Layout.fillWidth: true
                            text: modelData.what + " — " + modelData.why
                                  + (modelData.hqValue.length > 0
                                     ? qsTr(" (HQ has %1)").arg(modelData.hqValue) : "")
                                  + ". " + modelData.next
                            wrapMode: Text.WordWrap
                            color: modelData.retry ? Theme.textSecondary : Theme.danger
                        }
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
                    spacing: 4
                    SectionLabel { text: qsTr("Alarms") }
                    Label {
                        Layout.fillWidth: true
                        visible: root.sync.alarms.length === 0
                        text: qsTr("No alarms.")
                        color: Theme.textSecondary
                    }
                    Repeater {
                        model: root.sync.alarms
                        delegate: Label {
                            required property string modelData
                            Layout.fillWidth: true
                            text: modelData
                            wrapMode: Text.WordWrap
                            color: Theme.danger
                        }
                    }
                }
            }
        }
    }
}
