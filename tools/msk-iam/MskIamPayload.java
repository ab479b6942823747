// AWS's own AWS_MSK_IAM client (software.amazon.msk:aws-msk-iam-auth) producing its first SASL
// message for given credentials and broker host, for test/integration/sasl-aws-msk-iam.test.ts.
// The library signs with the wall clock (it takes no clock); the test reads x-amz-date from this
// output and signs with sluice for that same instant.
//   java -cp <classes>:<libs>/* MskIamPayload <host>          (payload JSON on stdout)
//   java -cp <classes>:<libs>/* MskIamPayload <host> <reply>  (also feeds the library the broker's
//                                                             reply; prints "accepted" or the error)
// Credentials from the environment: MSK_TEST_ACCESS_KEY, MSK_TEST_SECRET_KEY, MSK_TEST_SESSION_TOKEN
// (empty: long-term keys, no x-amz-security-token).
import java.nio.charset.StandardCharsets;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.msk.auth.iam.internals.AWS4SignedPayloadGenerator;
import software.amazon.msk.auth.iam.internals.AWSCredentialsCallback;
import software.amazon.msk.auth.iam.internals.IAMSaslClient;

public final class MskIamPayload {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    String token = System.getenv().getOrDefault("MSK_TEST_SESSION_TOKEN", "");
    AwsCredentials credentials = token.isEmpty()
        ? AwsBasicCredentials.create(System.getenv("MSK_TEST_ACCESS_KEY"), System.getenv("MSK_TEST_SECRET_KEY"))
        : AwsSessionCredentials.create(System.getenv("MSK_TEST_ACCESS_KEY"), System.getenv("MSK_TEST_SECRET_KEY"), token);
    CallbackHandler handler = callbacks -> {
      for (Callback callback : callbacks) ((AWSCredentialsCallback) callback).setAwsCredentials(credentials);
    };
    IAMSaslClient client = new IAMSaslClient("AWS_MSK_IAM", handler, host, new AWS4SignedPayloadGenerator());
    byte[] payload = client.evaluateChallenge(new byte[0]);
    System.out.println(new String(payload, StandardCharsets.UTF_8));
    if (args.length > 1) {
      try {
        client.evaluateChallenge(args[1].getBytes(StandardCharsets.UTF_8));
        System.out.println(client.isComplete() ? "accepted" : "incomplete");
      } catch (Exception e) {
        System.out.println("refused: " + e);
      }
    }
  }
}
