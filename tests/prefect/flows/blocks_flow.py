"""Blocks as real projects use them: a Secret saved and loaded (also inside a flow), overwritten, a custom
Block with a SecretStr field, a block nested in another (inline and by reference), a generic load by
"slug/name", and a delete. Prints KEY=value lines for the test to check."""

from prefect import flow
from prefect.blocks.core import Block
from prefect.blocks.system import Secret

from block_classes import ApiConfig, InnerCreds, OuterConn


@flow
def uses_secret() -> str:
    return Secret.load("api-key").get()


if __name__ == "__main__":
    Secret(value="hunter2-zx81").save("api-key")
    print("SECRET=" + Secret.load("api-key").get())
    try:
        Secret(value="other").save("api-key")
        print("DUPLICATE=allowed")
    except ValueError:
        print("DUPLICATE=refused")
    Secret(value="hunter2-zx82").save("api-key", overwrite=True)
    print("OVERWRITTEN=" + Secret.load("api-key").get())
    print("IN_FLOW=" + uses_secret())

    ApiConfig(url="https://example.com", token="tok-123456789012").save("reporting")
    cfg = ApiConfig.load("reporting")
    print("CUSTOM=" + cfg.url + "|" + cfg.token.get_secret_value() + "|" + str(cfg.timeout))

    OuterConn(host="db.local", creds=InnerCreds(username="u", password="pw-inline-zx83")).save("outer-inline")
    inner = InnerCreds(username="u2", password="pw-named-zx84")
    inner.save("inner-named")
    OuterConn(host="db2.local", creds=inner).save("outer-ref")
    ref = OuterConn.load("outer-ref")
    print("NESTED=" + ref.host + "|" + ref.creds.username + "|" + ref.creds.password.get_secret_value())
    inline = OuterConn.load("outer-inline")
    print("INLINE=" + inline.creds.password.get_secret_value())

    Secret(value={"user": "bob", "pw": "dict-zq-85"}).save("dict-secret")
    print("DICT=" + repr(Secret.load("dict-secret").get()))
    try:
        Secret.load("never-saved")
        print("MISSING=found")
    except ValueError as e:
        print("MISSING=" + str(e))

    generic = Block.load("secret/api-key")
    print("GENERIC=" + type(generic).__name__ + "|" + generic.get())

    Secret(value="temp").save("to-delete")
    Secret.delete("to-delete")
    try:
        Secret.load("to-delete")
        print("DELETED=no")
    except ValueError:
        print("DELETED=yes")
