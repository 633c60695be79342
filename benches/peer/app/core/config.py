# app/core/config.py
from typing import Optional
from pydantic_settings import BaseSettings
from pydantic import PostgresDsn, validator

class Settings(BaseSettings):
    """
    Think of this like: Your application's main control panel
    where you set all the important settings and configurations.
    """
    
    # API Settings
    API_V1_STR: str = "/api/v1"
    PROJECT_NAME: str = "E-commerce API"
    
    # Database Settings
    # PEER FIX: the guide types this Optional[PostgresDsn]. Pydantic 2 turns that into a Url
    # object, which create_engine() rejects, and it refuses sqlite:/// URLs. A plain string
    # keeps the guide's behaviour for PostgreSQL and lets the same app run on SQLite.
    DATABASE_URL: Optional[str] = None
    DB_HOST: str = "localhost"
    DB_PORT: int = 5432
    DB_USER: str = "username"
    DB_PASSWORD: str = "password"
    DB_NAME: str = "ecommerce_db"
    
    @validator("DATABASE_URL", pre=True)
    def assemble_db_connection(cls, v: Optional[str], values: dict) -> str:
        """Build database URL from individual components if not provided"""
        if isinstance(v, str):
            return v
        return f"postgresql://{values.get('DB_USER')}:{values.get('DB_PASSWORD')}@{values.get('DB_HOST')}:{values.get('DB_PORT')}/{values.get('DB_NAME')}"
    
    # Security Settings
    SECRET_KEY: str = "your-super-secret-key"
    ALGORITHM: str = "HS256"
    ACCESS_TOKEN_EXPIRE_MINUTES: int = 30
    
    class Config:
        env_file = ".env"

# Create global settings instance
settings = Settings()
