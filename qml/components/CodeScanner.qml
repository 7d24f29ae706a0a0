import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QtMultimedia
import Liaison

// The enrolment code read with the camera (issue 11): the camera's preview, grabbed a few times
// a second and read by app/qrframereader.h on a worker thread. The enrolment page loads this
// component on its own (a Loader), so QtMultimedia is loaded only where it is used, and a
// build or phone without it simply offers no scan button. The camera runs only while `running`
// (the page shows it) and stops once a code is found.
Item {
    id: root

    // The page shows the preview: the camera may run.
    property bool running: false
    readonly property bool hasCamera: devices.videoInputs.length > 0
    readonly property alias reader: reader

    signal found(string code)
    signal cancelled()

    objectName: "codeScanner"

    MediaDevices { id: devices }

    // The capture session exists only while a camera runs: Qt 6.4's GStreamer backend builds a
    // placeholder pipeline for a session without a camera, and destroying it can deadlock (seen
    // in tst_enrolpage under Xvfb, where there is no camera).
    Loader {
        id: session
        active: root.running && root.hasCamera && !reader.done
        sourceComponent: Component {
            CaptureSession {
                camera: Camera {
                    id: camera
                    active: true
                }
                videoOutput: preview
            }
        }
    }
    readonly property bool cameraActive: session.item !== null && session.item.camera.active
    readonly property int cameraError: session.item !== null ? session.item.camera.error : Camera.NoError
    readonly property string cameraErrorText: session.item !== null ? session.item.camera.errorString : ""

    Rectangle {
        anchors.fill: parent
        color: "black"
    }

    VideoOutput {
        id: preview
        anchors.fill: parent
        fillMode: VideoOutput.PreserveAspectCrop
    }

    // The square to hold the code in.
    Rectangle {
        id: guide
        anchors.centerIn: parent
        width: Math.min(parent.width, parent.height) * 0.7
        height: width
        color: "transparent"
        border.color: Theme.textOnPrimary
        border.width: 3
        radius: Theme.radius
        visible: root.cameraActive
    }

    QrFrameReader {
        id: reader
        objectName: "qrFrameReader"
        onFound: (code) => root.found(code)
    }

    Timer {
        interval: 300
        repeat: true
        running: root.cameraActive
        onTriggered: {
            if (!reader.busy)
                preview.grabToImage((grab) => reader.read(grab))
        }
    }

    ColumnLayout {
        anchors { left: parent.left; right: parent.right; bottom: parent.bottom; margins: Theme.margin }
        spacing: Theme.spacing

        Label {
            objectName: "scannerText"
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            horizontalAlignment: Text.AlignHCenter
            color: Theme.textOnPrimary
            font.pixelSize: Theme.fontSizeBody
            text: {
                if (!root.hasCamera)
                    return qsTr("This device has no camera the app can use. Type or paste the code instead.")
                if (root.cameraError !== Camera.NoError)
                    return qsTr("The camera cannot be used: %1").arg(root.cameraErrorText)
                if (reader.hint.length > 0)
                    return reader.hint
                return qsTr("Hold the QR code HQ printed for this device inside the square.")
            }
        }
        Button {
            objectName: "scannerCancelButton"
            Layout.alignment: Qt.AlignHCenter
            Layout.preferredHeight: Theme.touchTarget
            text: qsTr("Cancel")
            Accessible.name: qsTr("Stop scanning and go back to the form")
            font.capitalization: Font.MixedCase
            onClicked: root.cancelled()
        }
    }
}
