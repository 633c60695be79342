# app/main.py
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from app.core.config import settings
from app.api.api_v1.api import api_router

def create_application() -> FastAPI:
    """
    Think of this like: Setting up your restaurant
    Configuring the dining room, menu, and service rules
    """
    
    app = FastAPI(
        title=settings.PROJECT_NAME,
        description="A comprehensive e-commerce API built with FastAPI and SQLAlchemy",
        version="1.0.0",
        openapi_url=f"{settings.API_V1_STR}/openapi.json",
        docs_url="/docs",        # Swagger UI
        redoc_url="/redoc",      # ReDoc documentation
    )

    # Set up CORS middleware
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["http://localhost:3000"],  # React app URL
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )

    # Include API routes
    app.include_router(api_router, prefix=settings.API_V1_STR)

    @app.get("/")
    def root():
        """Health check endpoint"""
        return {
            "message": "E-commerce API is running!",
            "version": "1.0.0",
            "docs": "/docs",
            "redoc": "/redoc"
        }

    @app.get("/health")
    def health_check():
        """Detailed health check"""
        return {
            "status": "healthy",
            "database": "connected",
            "timestamp": "2024-01-01T10:00:00Z"
        }

    return app

# Create the application
app = create_application()

if __name__ == "__main__":
    import uvicorn
    uvicorn.run("main:app", host="0.0.0.0", port=8000, reload=True)
