// Quick unlock on Android (platform/quickunlock.h; built by androiddeployqt from
// QT_ANDROID_PACKAGE_SOURCE_DIR/src, called through JNI by android/quickunlockstore.cpp).
//
// The quick secret is encrypted with an AES-256-GCM key made in the Android Keystore (TEE or
// StrongBox) that
//  - requires biometric authentication for every use (setUserAuthenticationParameters(0,
//    AUTH_BIOMETRIC_STRONG)): no device-credential fallback, no time window;
//  - is invalidated when a biometric is added or all are removed
//    (setInvalidatedByBiometricEnrollment): a new fingerprint opens nothing;
//  - is used only through BiometricPrompt's CryptoObject: the Keystore lets the cipher run only
//    after the prompt succeeded for exactly that operation.
// The ciphertext (nonce + ciphertext + tag) lives in getNoBackupFilesDir(), never backed up.
// Requires API 30 (Android 11): available() says false below it.
package eu.liaison.app;

import android.app.Activity;
import android.content.Context;
import android.hardware.biometrics.BiometricManager;
import android.hardware.biometrics.BiometricPrompt;
import android.os.Build;
import android.os.CancellationSignal;
import android.security.keystore.KeyGenParameterSpec;
import android.security.keystore.KeyPermanentlyInvalidatedException;
import android.security.keystore.KeyProperties;

import java.io.File;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

public final class QuickUnlock {
    // Outcomes, as platform::QuickUnlockStore::Outcome.
    static final int OK = 0, CANCELLED = 1, FAILED = 2, INVALIDATED = 3, UNAVAILABLE = 4;
    private static final String KEYSTORE = "AndroidKeyStore";
    private static final String TRANSFORM = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;

    private static native void onEnrolled(long handle, int outcome);
    private static native void onReleased(long handle, int outcome, byte[] secret);

    private QuickUnlock() {}

    public static boolean available(Context context) {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.R)
            return false;
        BiometricManager bm = context.getSystemService(BiometricManager.class);
        return bm != null
                && bm.canAuthenticate(BiometricManager.Authenticators.BIOMETRIC_STRONG)
                        == BiometricManager.BIOMETRIC_SUCCESS;
    }

    private static File file(Context context, String alias) {
        return new File(context.getNoBackupFilesDir(), alias + ".quick");
    }

    private static SecretKey newKey(String alias) throws Exception {
        KeyGenerator kg = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE);
        kg.init(new KeyGenParameterSpec.Builder(alias,
                        KeyProperties.PURPOSE_ENCRYPT | KeyProperties.PURPOSE_DECRYPT)
                        .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                        .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                        .setKeySize(256)
                        .setUserAuthenticationRequired(true)
                        .setUserAuthenticationParameters(0, KeyProperties.AUTH_BIOMETRIC_STRONG)
                        .setInvalidatedByBiometricEnrollment(true)
                        .build());
        return kg.generateKey();
    }

    private static SecretKey existingKey(String alias) throws Exception {
        KeyStore ks = KeyStore.getInstance(KEYSTORE);
        ks.load(null);
        return (SecretKey) ks.getKey(alias, null);
    }

    public static void forget(Context context, String alias) {
        try {
            KeyStore ks = KeyStore.getInstance(KEYSTORE);
            ks.load(null);
            ks.deleteEntry(alias);
        } catch (Exception e) {
            // nothing there
        }
        file(context, alias).delete();
    }

    // Shows the prompt; on success encrypts `secret` (then zeroed) and stores it under `alias`.
    public static void enrol(Activity activity, long handle, String alias, byte[] secret,
            String title, String subtitle, String negative) {
        final Cipher cipher;
        try {
            forget(activity, alias);
            cipher = Cipher.getInstance(TRANSFORM);
            cipher.init(Cipher.ENCRYPT_MODE, newKey(alias));
        } catch (Exception e) {
            Arrays.fill(secret, (byte) 0);
            onEnrolled(handle, UNAVAILABLE);
            return;
        }
        prompt(activity, cipher, title, subtitle, negative, new Result() {
            @Override
            public void done(int outcome, Cipher c) {
                if (outcome != OK) {
                    Arrays.fill(secret, (byte) 0);
                    forget(activity, alias);
                    onEnrolled(handle, outcome);
                    return;
                }
                try (FileOutputStream out = new FileOutputStream(file(activity, alias))) {
                    byte[] sealed = c.doFinal(secret);
                    out.write(c.getIV());
                    out.write(sealed);
                    out.getFD().sync();
                    onEnrolled(handle, OK);
                } catch (Exception e) {
                    forget(activity, alias);
                    onEnrolled(handle, FAILED);
                } finally {
                    Arrays.fill(secret, (byte) 0);
                }
            }
        });
    }

    // Shows the prompt; on success hands the decrypted secret to onReleased (then zeroes it).
    public static void release(Activity activity, long handle, String alias, String title,
            String subtitle, String negative) {
        final Cipher cipher;
        final byte[] stored;
        try {
            File f = file(activity, alias);
            SecretKey key = existingKey(alias);
            if (key == null || !f.exists()) {
                onReleased(handle, UNAVAILABLE, null);
                return;
            }
            stored = Files.readAllBytes(f.toPath());
            if (stored.length <= IV_BYTES) {
                onReleased(handle, UNAVAILABLE, null);
                return;
            }
            cipher = Cipher.getInstance(TRANSFORM);
            cipher.init(Cipher.DECRYPT_MODE, key,
                    new GCMParameterSpec(128, Arrays.copyOfRange(stored, 0, IV_BYTES)));
        } catch (KeyPermanentlyInvalidatedException e) {
            forget(activity, alias);
            onReleased(handle, INVALIDATED, null);
            return;
        } catch (Exception e) {
            onReleased(handle, UNAVAILABLE, null);
            return;
        }
        prompt(activity, cipher, title, subtitle, negative, new Result() {
            @Override
            public void done(int outcome, Cipher c) {
                if (outcome != OK) {
                    onReleased(handle, outcome, null);
                    return;
                }
                byte[] secret = null;
                try {
                    secret = c.doFinal(stored, IV_BYTES, stored.length - IV_BYTES);
                    onReleased(handle, OK, secret);
                } catch (Exception e) {
                    onReleased(handle, FAILED, null);
                } finally {
                    if (secret != null)
                        Arrays.fill(secret, (byte) 0);
                }
            }
        });
    }

    private interface Result {
        void done(int outcome, Cipher cipher);
    }

    private static void prompt(Activity activity, Cipher cipher, String title, String subtitle,
            String negative, Result result) {
        activity.runOnUiThread(() -> {
            BiometricPrompt prompt = new BiometricPrompt.Builder(activity)
                    .setTitle(title)
                    .setSubtitle(subtitle)
                    .setAllowedAuthenticators(BiometricManager.Authenticators.BIOMETRIC_STRONG)
                    .setNegativeButton(negative, activity.getMainExecutor(),
                            (dialog, which) -> result.done(CANCELLED, null))
                    .build();
            prompt.authenticate(new BiometricPrompt.CryptoObject(cipher), new CancellationSignal(),
                    activity.getMainExecutor(), new BiometricPrompt.AuthenticationCallback() {
                        @Override
                        public void onAuthenticationSucceeded(
                                BiometricPrompt.AuthenticationResult r) {
                            result.done(OK, r.getCryptoObject().getCipher());
                        }

                        @Override
                        public void onAuthenticationError(int code, CharSequence message) {
                            switch (code) {
                            case BiometricPrompt.BIOMETRIC_ERROR_USER_CANCELED:
                            case BiometricPrompt.BIOMETRIC_ERROR_CANCELED:
                                result.done(CANCELLED, null);
                                break;
                            case BiometricPrompt.BIOMETRIC_ERROR_NO_BIOMETRICS:
                            case BiometricPrompt.BIOMETRIC_ERROR_HW_NOT_PRESENT:
                            case BiometricPrompt.BIOMETRIC_ERROR_HW_UNAVAILABLE:
                                result.done(UNAVAILABLE, null);
                                break;
                            default: // lockout, timeout, too many attempts
                                result.done(FAILED, null);
                            }
                        }
                        // onAuthenticationFailed: one finger that did not match; the prompt
                        // stays and the system counts (and locks out) by itself.
                    });
        });
    }
}
