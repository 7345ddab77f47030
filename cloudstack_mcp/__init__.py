"""cloudstack-mcp: an MCP server for Apache CloudStack, built from the server's own listApis."""

__version__ = "0.1.0"
__all__ = ["__version__"]
