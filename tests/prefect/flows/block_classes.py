"""Block classes the block scripts share (a block's type is its class, so both scripts must define it alike)."""

from prefect.blocks.core import Block
from pydantic import SecretStr


class ApiConfig(Block):
    """Where and how to call the reporting API."""

    url: str
    token: SecretStr
    timeout: int = 30


class InnerCreds(Block):
    username: str
    password: SecretStr


class OuterConn(Block):
    host: str
    creds: InnerCreds
